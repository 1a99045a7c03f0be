package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/settings"
)

func (u *UI) soundSettingsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "sound")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	s, err := agent.Notifications(r.Context(), u.Settings, nil)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, soundSettingsView(f, s))
}

// saveSoundSettings stores the team's default for the new-message sound;
// a user's own choice (their account page) still wins over it.
func (u *UI) saveSoundSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := u.panelFrame(r, "sound")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	before, err := agent.Notifications(ctx, u.Settings, nil)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	after := agent.NotificationSettings{SoundDefault: panelChecked(r, "sound_default")}
	if err := settings.Put(ctx, u.Settings, agent.KeyNotifications, after); err != nil {
		u.fail(w, r, err)
		return
	}
	u.panelSaved(w, r, f, settings.Diff(before, after))
}
