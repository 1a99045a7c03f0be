package ui

import (
	"context"

	"github.com/zapflow/zapflow/internal/lead"
)

// restrictedTo returns the signed-in user's id when "restrict chats to the
// assigned agent" limits what they see, and 0 when they see everything.
// Contacts and leads follow the conversations' rule, so a restricted agent
// cannot read another agent's customers through those pages either.
func (u *UI) restrictedTo(ctx context.Context) (int64, error) {
	v, err := u.Messaging.ViewerOf(ctx, userFrom(ctx))
	return v.Restricted(), err
}

// contactVisible reports whether the signed-in user may see contact id.
func (u *UI) contactVisible(ctx context.Context, id int64) (bool, error) {
	user, err := u.restrictedTo(ctx)
	if err != nil || user == 0 {
		return err == nil, err
	}
	return u.Contacts.VisibleTo(ctx, id, user)
}

// leadVisible reports whether the signed-in user may see l: a restricted
// agent sees their own leads and the unassigned ones.
func (u *UI) leadVisible(ctx context.Context, l lead.Lead) (bool, error) {
	v, err := u.Messaging.ViewerOf(ctx, userFrom(ctx))
	return err == nil && v.Sees(l.AgentID), err
}
