package ui

import (
	"context"

	"github.com/zapflow/zapflow/internal/agent"
)

// canSeeConversation says whether user may see (and act on) conversation
// convID: the restricted-chats rule (Deps.CanSee). Every reply-box action
// and media download asks it; an error refuses.
func (u *UI) canSeeConversation(ctx context.Context, user agent.User, convID int64) bool {
	if u.CanSee == nil {
		return true
	}
	ok, err := u.CanSee(ctx, user, convID)
	if err != nil {
		u.Log.Error("checking who may see a conversation", "conversation", convID, "err", err)
		return false
	}
	return ok
}
