package ui

import (
	"net/http"
	"strings"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/settings"
)

func (u *UI) optOutSettingsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "opt-out")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	s, err := u.Messaging.OptOutSettings(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, optOutSettingsView(f, strings.Join(s.Keywords, "\n")))
}

// saveOptOutSettings saves through messaging.Service.UpdateOptOutSettings
// (the call behind PUT /api/v1/settings/opt-out); an empty list turns
// keyword opt-out off.
func (u *UI) saveOptOutSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := u.panelFrame(r, "opt-out")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	before, err := u.Messaging.OptOutSettings(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	after, err := u.Messaging.UpdateOptOutSettings(ctx, messaging.OptOutSettings{Keywords: panelLines(r, "keywords")})
	if err == nil {
		u.panelSaved(w, r, f, settings.Diff(before, after))
		return
	}
	if !panelRefused(ctx, &f, err) {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusUnprocessableEntity, optOutSettingsView(f, r.PostForm.Get("keywords")))
}
