package ui

import (
	"context"
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/lead"
)

// leadSettingsForm is the auto lead panel's form as typed, with the
// choices its selects offer.
type leadSettingsForm struct {
	Enabled  bool
	Status   string // "" when none is chosen (required)
	SourceID string
	// Agent is "unassigned", "round_robin" or a user id.
	Agent   string
	Sources []lead.Source
	Agents  []agent.User // active users
}

func leadSettingsFormOf(s lead.AutoSettings) leadSettingsForm {
	form := leadSettingsForm{Enabled: s.Enabled, Status: string(s.Status), SourceID: strconv.FormatInt(s.SourceID, 10), Agent: s.Agent}
	if s.Agent == lead.AgentNamed {
		form.Agent = strconv.FormatInt(s.AgentID, 10)
	}
	return form
}

// choices fills in the sources and the active users the selects list.
func (u *UI) leadSettingsChoices(ctx context.Context, form *leadSettingsForm) error {
	var err error
	if form.Sources, err = u.Leads.Sources(ctx); err != nil {
		return err
	}
	users, err := u.Agents.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, us := range users {
		if us.Active {
			form.Agents = append(form.Agents, us)
		}
	}
	return nil
}

func (u *UI) leadSettingsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "leads")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	s, err := u.Leads.AutoSettings(r.Context(), nil)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	form := leadSettingsFormOf(s)
	if err := u.leadSettingsChoices(r.Context(), &form); err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, leadSettingsView(f, form))
}

// saveLeadSettings saves through lead.Service.UpdateAutoSettings (the call
// behind PUT /api/v1/settings/leads); the next inbound message follows the
// new settings.
func (u *UI) saveLeadSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := u.panelFrame(r, "leads")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	before, err := u.Leads.AutoSettings(ctx, nil)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	form := leadSettingsForm{Enabled: panelChecked(r, "enabled"), Status: r.PostForm.Get("default_status"),
		SourceID: r.PostForm.Get("source_id"), Agent: r.PostForm.Get("agent")}
	status := lead.Status(form.Status)
	in := lead.AutoSettingsInput{Enabled: &form.Enabled, Status: &status, Agent: &form.Agent}
	source, err := strconv.ParseInt(form.SourceID, 10, 64)
	if err != nil {
		source = 0 // "" or garbage: the service says a source is required
	}
	in.SourceID = &source
	if id, err := strconv.ParseInt(form.Agent, 10, 64); err == nil {
		named := lead.AgentNamed
		in.Agent, in.AgentID = &named, &id
	}
	after, err := u.Leads.UpdateAutoSettings(ctx, in)
	if err == nil {
		u.panelSaved(w, r, f, u.Leads.AuditSummary(ctx, before, after))
		return
	}
	if !panelRefused(ctx, &f, err) {
		u.fail(w, r, err)
		return
	}
	// The agent and its mode are one select on the page.
	if msg, ok := f.Errors["agent_id"]; ok {
		delete(f.Errors, "agent_id")
		f.Errors["agent"] = msg
	}
	if err := u.leadSettingsChoices(ctx, &form); err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusUnprocessableEntity, leadSettingsView(f, form))
}

// leadStatusLabel names a status in the page's language.
func leadStatusLabel(ctx context.Context, s lead.Status) string {
	return t(ctx, "lead.status."+string(s))
}

// leadStatusChoices are the statuses a new lead may start in (not closed).
func leadStatusChoices() []lead.Status {
	var out []lead.Status
	for _, s := range lead.Statuses {
		if s.Open() {
			out = append(out, s)
		}
	}
	return out
}

func userLabel(us agent.User) string {
	return firstNonEmpty(us.Name, us.Email)
}
