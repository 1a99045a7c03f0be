package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/settings"
)

func (u *UI) supportAgentsSettingsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "support-agents")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	s, err := agent.SupportAgents(r.Context(), u.Settings, nil)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, supportAgentsSettingsView(f, s))
}

// saveSupportAgentsSettings stores the support agents switches; the
// inbox, the API and automatic assignment read them through the settings
// cache, so they apply to the next request and the next new conversation.
func (u *UI) saveSupportAgentsSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := u.panelFrame(r, "support-agents")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	before, err := agent.SupportAgents(ctx, u.Settings, nil)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	after := agent.SupportAgentsSettings{RestrictToAssigned: panelChecked(r, "restrict_to_assigned"), AutoAssign: panelChecked(r, "auto_assign")}
	if err := settings.Put(ctx, u.Settings, agent.KeySupportAgents, after); err != nil {
		u.fail(w, r, err)
		return
	}
	u.panelSaved(w, r, f, settings.Diff(before, after))
}
