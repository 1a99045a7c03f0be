package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/settings"
)

// stopBotSettingsForm is the stop bot panel's form as typed.
type stopBotSettingsForm struct {
	Keywords string // one per line
	Restart  string
}

func (u *UI) stopBotSettingsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "stop-bot")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	s, err := u.AI.StopBotSettings(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, stopBotSettingsView(f, stopBotSettingsForm{Keywords: strings.Join(s.Keywords, "\n"),
		Restart: strconv.Itoa(s.RestartAfterHours)}))
}

// saveStopBotSettings saves through ai.Service.UpdateStopBotSettings (the
// call behind PUT /api/v1/settings/stop-bot); the next inbound message is
// matched against the new keywords.
func (u *UI) saveStopBotSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := u.panelFrame(r, "stop-bot")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	before, err := u.AI.StopBotSettings(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	form := stopBotSettingsForm{Keywords: r.PostForm.Get("stop_keywords"), Restart: r.PostForm.Get("restart_after_hours")}
	keywords := panelLines(r, "stop_keywords")
	if hours, ok := panelInt(ctx, &f, r, "restart_after_hours"); ok {
		after, err := u.AI.UpdateStopBotSettings(ctx, ai.StopBotSettingsInput{Keywords: &keywords, RestartAfterHours: &hours})
		if err == nil {
			u.panelSaved(w, r, f, settings.Diff(before, after))
			return
		}
		if !panelRefused(ctx, &f, err) {
			u.fail(w, r, err)
			return
		}
	}
	render(w, r, http.StatusUnprocessableEntity, stopBotSettingsView(f, form))
}
