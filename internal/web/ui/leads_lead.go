package ui

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/lead"
)

// leadForm is the lead page's edit form as typed.
type leadForm struct {
	Status   string
	SourceID string
	Notes    string
	Tags     string // one per line
	Fields   string // "name: value", one per line
	AgentID  string
}

// leadData is what the lead page shows.
type leadData struct {
	Chrome  chrome
	Lead    lead.Lead
	Form    leadForm
	History []lead.StatusChange
	Sources []lead.Source
	Agents  []agent.User // active users, for reassigning
	// Errors maps a form field to what is wrong with it.
	Errors  map[string]string
	Saved   bool
	CanEdit bool // manage_leads: the form is read-only without it
	CanMove bool // assign: the reassign form shows only with it
}

// leadFormOf is l as the edit form shows it.
func leadFormOf(l lead.Lead) leadForm {
	names := make([]string, 0, len(l.Fields))
	for k := range l.Fields {
		names = append(names, k)
	}
	slices.Sort(names)
	var fields strings.Builder
	for _, k := range names {
		fields.WriteString(k + ": " + l.Fields[k] + "\n")
	}
	return leadForm{Status: string(l.Status), SourceID: fmtID(l.SourceID), Notes: l.Notes,
		Tags: strings.Join(l.Tags, "\n"), Fields: fields.String(), AgentID: fmtID(l.AgentID)}
}

// leadParam reads the {id} of a lead page; false means it answered 404.
func (u *UI) leadParam(w http.ResponseWriter, r *http.Request) (lead.Lead, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, t(r.Context(), "leads.not_found"), http.StatusNotFound)
		return lead.Lead{}, false
	}
	l, err := u.Leads.Get(r.Context(), id)
	if err == nil {
		// Another agent's lead looks like one that does not exist.
		if ok, verr := u.leadVisible(r.Context(), l); verr != nil {
			err = verr
		} else if !ok {
			err = apperr.NotFound("lead")
		}
	}
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		http.Error(w, t(r.Context(), "leads.not_found"), http.StatusNotFound)
		return lead.Lead{}, false
	}
	if err != nil {
		u.fail(w, r, err)
		return lead.Lead{}, false
	}
	return l, true
}

// leadPageData fills in what the lead page shows around l and form.
func (u *UI) leadPageData(ctx context.Context, l lead.Lead, form leadForm) (leadData, error) {
	user := userFrom(ctx)
	d := leadData{Chrome: u.chrome(ctx), Lead: l, Form: form, Errors: map[string]string{},
		CanEdit: user.Can(agent.PermManageLeads), CanMove: user.Can(agent.PermAssign)}
	var err error
	if d.History, err = u.Leads.History(ctx, l.ID); err != nil {
		return d, err
	}
	if d.Sources, err = u.Leads.Sources(ctx); err != nil {
		return d, err
	}
	if d.CanMove {
		users, err := u.Agents.ListUsers(ctx)
		if err != nil {
			return d, err
		}
		for _, us := range users {
			if us.Active {
				d.Agents = append(d.Agents, us)
			}
		}
	}
	return d, nil
}

// leadPage shows one lead (GET /leads/{id}).
func (u *UI) leadPage(w http.ResponseWriter, r *http.Request) {
	l, ok := u.leadParam(w, r)
	if !ok {
		return
	}
	d, err := u.leadPageData(r.Context(), l, leadFormOf(l))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Saved = r.URL.Query().Get("saved") == "1"
	render(w, r, http.StatusOK, leadView(d))
}

// saveLead saves the edit form through lead.Service.Update (the call
// behind PATCH /api/v1/leads/{id}); a refused save shows the form again
// as typed, with the error next to its field, and changes nothing.
func (u *UI) saveLead(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l, ok := u.leadParam(w, r)
	if !ok {
		return
	}
	form := leadForm{Status: r.PostForm.Get("status"), SourceID: r.PostForm.Get("source_id"), Notes: r.PostForm.Get("notes"),
		Tags: r.PostForm.Get("tags"), Fields: r.PostForm.Get("fields"), AgentID: fmtID(l.AgentID)}
	errs := map[string]string{}
	ch := lead.Change{Notes: &form.Notes}
	status := lead.Status(form.Status)
	ch.Status = &status
	tags := panelLines(r, "tags")
	ch.Tags = &tags
	source, err := strconv.ParseInt(strings.TrimSpace(form.SourceID), 10, 64)
	if err != nil && strings.TrimSpace(form.SourceID) != "" {
		errs["source_id"] = t(ctx, "leads.err.invalid_source")
	}
	ch.SourceID = &source
	if ch.Fields, err = leadFieldsOf(form.Fields, l.Fields); err != nil {
		errs["fields"] = t(ctx, "leads.err.fields_format")
	}
	if len(errs) == 0 {
		_, err = u.Leads.Update(ctx, l.ID, ch, lead.User(userFrom(ctx).ID))
		if err == nil {
			http.Redirect(w, r, "/leads/"+fmtID(l.ID)+"?saved=1", http.StatusSeeOther)
			return
		}
		if !leadRefused(ctx, errs, err) {
			u.fail(w, r, err)
			return
		}
	}
	d, err := u.leadPageData(ctx, l, form)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Errors = errs
	render(w, r, http.StatusUnprocessableEntity, leadView(d))
}

// assignLead gives the lead to another user, or to nobody (POST
// /leads/{id}/assign, assign permission); the new agent is told live.
func (u *UI) assignLead(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l, ok := u.leadParam(w, r)
	if !ok {
		return
	}
	to, err := strconv.ParseInt(r.PostForm.Get("agent_id"), 10, 64)
	if err != nil || to < 0 {
		to = -1 // no such user: the service refuses it next to the field
	}
	errs := map[string]string{}
	if to >= 0 {
		_, err = u.Leads.Assign(ctx, l.ID, to, lead.User(userFrom(ctx).ID))
		if err == nil {
			http.Redirect(w, r, "/leads/"+fmtID(l.ID)+"?saved=1", http.StatusSeeOther)
			return
		}
		if !leadRefused(ctx, errs, err) {
			u.fail(w, r, err)
			return
		}
	} else {
		errs["agent_id"] = t(ctx, "leads.err.invalid_agent")
	}
	form := leadFormOf(l)
	form.AgentID = r.PostForm.Get("agent_id")
	d, err := u.leadPageData(ctx, l, form)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Errors = errs
	render(w, r, http.StatusUnprocessableEntity, leadView(d))
}

// leadFieldsOf reads the custom fields typed one "name: value" a line
// into the change lead.Change.Fields makes: every field typed, and each
// field of old no longer there removed (an empty value removes).
func leadFieldsOf(text string, old map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, apperr.Invalid("fields", "fields_format", "write each field as name: value")
		}
		out[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	for k := range old {
		if _, kept := out[k]; !kept {
			out[k] = ""
		}
	}
	return out, nil
}

// leadRefused puts a validation or conflict error next to its field (and
// reports true); any other error is the caller's.
func leadRefused(ctx context.Context, errs map[string]string, err error) bool {
	ae, ok := apperr.As(err)
	if !ok || (ae.Kind != apperr.KindInvalid && ae.Kind != apperr.KindConflict) {
		return false
	}
	field := ae.Field
	if ae.Code == "open_lead_exists" {
		field = "status" // reopening a lead while the contact has another open
	}
	if field == "" {
		return false
	}
	if i := strings.IndexAny(field, "[."); i > 0 {
		field = field[:i]
	}
	errs[field] = panelText(ctx, "leads.err."+ae.Code, ae.Message)
	return true
}

// leadActorLabel says who made a status change.
func leadActorLabel(ctx context.Context, h lead.StatusChange) string {
	switch h.By {
	case lead.ByAutoLead:
		return t(ctx, "leads.by.auto")
	case lead.ByFlow:
		return t(ctx, "leads.by.flow")
	}
	return h.ByName
}
