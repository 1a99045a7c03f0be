package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/settings"
)

// assistantSettingsForm is the WhatsApp assistant panel's form as typed.
type assistantSettingsForm struct {
	Enabled      bool
	AssistantID  string
	Footer       string
	Delay        string
	StopKeywords string // one per line
	Handover     string
	// Assistants are the choices of the assistant select.
	Assistants []ai.Assistant
}

func assistantSettingsFormOf(s ai.AssistantSettings) assistantSettingsForm {
	return assistantSettingsForm{Enabled: s.Enabled, AssistantID: strconv.FormatInt(s.AssistantID, 10), Footer: s.Footer,
		Delay: strconv.Itoa(s.DelaySeconds), StopKeywords: strings.Join(s.StopKeywords, "\n"), Handover: strconv.Itoa(s.HandoverMinutes)}
}

func (u *UI) assistantSettingsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "assistant")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	s, err := u.AI.AssistantSettings(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	form := assistantSettingsFormOf(s)
	if form.Assistants, err = u.AI.Assistants(r.Context()); err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, assistantSettingsView(f, form))
}

// saveAssistantSettings saves through ai.Service.UpdateAssistantSettings
// (the call behind PUT /api/v1/settings/assistant): the footer and the
// delay are required, the delay and handover bounded, and enabling needs
// an assistant.
func (u *UI) saveAssistantSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := u.panelFrame(r, "assistant")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	before, err := u.AI.AssistantSettings(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := r.PostForm
	form := assistantSettingsForm{Enabled: panelChecked(r, "enabled"), AssistantID: p.Get("assistant_id"), Footer: p.Get("assistant_footer_message"),
		Delay: p.Get("assistant_message_delay"), StopKeywords: p.Get("stop_assistant_keyword"), Handover: p.Get("handover_minutes")}
	if form.Assistants, err = u.AI.Assistants(ctx); err != nil {
		u.fail(w, r, err)
		return
	}
	keywords := panelLines(r, "stop_assistant_keyword")
	in := ai.AssistantSettingsInput{Enabled: &form.Enabled, Footer: &form.Footer, StopKeywords: &keywords}
	id, idErr := strconv.ParseInt(strings.TrimSpace(form.AssistantID), 10, 64)
	if idErr != nil {
		f.Errors["assistant_id"] = t(ctx, "settings.err.number")
	}
	in.AssistantID = &id
	delay, okDelay := panelInt(ctx, &f, r, "assistant_message_delay")
	in.DelaySeconds = &delay
	handover, okHandover := panelInt(ctx, &f, r, "handover_minutes")
	in.HandoverMinutes = &handover
	if strings.TrimSpace(form.Footer) == "" {
		f.Errors["assistant_footer_message"] = t(ctx, "settings.err.required")
	}
	if len(f.Errors) == 0 && okDelay && okHandover {
		after, err := u.AI.UpdateAssistantSettings(ctx, in)
		if err == nil {
			u.panelSaved(w, r, f, settings.Diff(before, after))
			return
		}
		if !panelRefused(ctx, &f, err) {
			u.fail(w, r, err)
			return
		}
	}
	render(w, r, http.StatusUnprocessableEntity, assistantSettingsView(f, form))
}
