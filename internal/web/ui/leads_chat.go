package ui

import (
	"context"
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/lead"
)

// chatLead is the lead panel beside the open chat: the contact's open
// lead, if any, and whether the user may change it.
type chatLead struct {
	Lead    *lead.Lead
	CanEdit bool
	Problem string // a refused quick change
}

// loadChatLead reads the open chat's contact's open lead: one lookup on
// the partial unique index of open leads (plus its tags when there is
// one), so the inbox stays as fast as it was.
func (u *UI) loadChatLead(ctx context.Context, d *inboxData) error {
	d.Lead = chatLead{CanEdit: userFrom(ctx).Can(agent.PermManageLeads)}
	if u.Leads == nil {
		return nil
	}
	l, err := u.Leads.OpenLead(ctx, d.Current.ContactID)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	d.Lead.Lead = &l
	return nil
}

// chatLeadChange is the panel's quick change (POST /inbox/{id}/lead,
// manage_leads): a new status for the contact's open lead, or "create"
// to open one (status new) when the contact has none.
func (u *UI) chatLeadChange(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := u.conversationParam(w, r)
	if !ok {
		return
	}
	c, err := u.Messaging.Conversation(ctx, id)
	if err != nil {
		u.inboxError(w, r, err)
		return
	}
	by := lead.User(userFrom(ctx).ID)
	if r.PostForm.Get("action") == "create" {
		_, err = u.Leads.Create(ctx, lead.NewLead{ContactID: c.ContactID}, by)
	} else {
		status := lead.Status(r.PostForm.Get("status"))
		_, err = u.Leads.UpdateOpen(ctx, nil, c.ContactID, lead.Change{Status: &status}, by)
	}
	if err == nil {
		http.Redirect(w, r, "/inbox/"+fmtID(id), http.StatusSeeOther)
		return
	}
	ae, named := apperr.As(err)
	if !named || (ae.Kind != apperr.KindInvalid && ae.Kind != apperr.KindConflict) {
		u.fail(w, r, err)
		return
	}
	d, derr := u.inbox(r)
	if derr != nil {
		u.inboxError(w, r, derr)
		return
	}
	d.Lead.Problem = panelText(ctx, "leads.err."+ae.Code, ae.Message)
	render(w, r, http.StatusUnprocessableEntity, inboxView(d))
}
