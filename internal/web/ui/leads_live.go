package ui

import (
	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/live"
)

// leadEventOpenTo reports whether a lead event goes to user without asking
// whether they may see its chat (false leaves it to the chat's
// visibility). Leads follow their chat's visibility, so:
//   - a lead_assigned event always reaches the agent it names, even one
//     who may not see the contact's chat: they must learn the lead is
//     theirs;
//   - a lead event of a contact with no conversation (0) names no chat to
//     hide, so it goes to everyone, like a notification.
func leadEventOpenTo(user agent.User, ev live.Event) bool {
	if ev.Kind != live.KindLead && ev.Kind != live.KindLeadAssigned {
		return false
	}
	if ev.Kind == live.KindLeadAssigned && ev.UserID != 0 && ev.UserID == user.ID {
		return true
	}
	if ev.ConversationID == 0 {
		return true
	}
	return false
}
