package app

import (
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/web/ui"
)

// setupAssign hangs the support team's inbound hook on every message
// (automatic assignment of new conversations, reopening resolved ones)
// and gives the web app the visibility rule for restricted chats. It runs
// after the other inbound hooks are registered, so a flow or the
// assistant sees the conversation as it was when the message arrived.
func (a *App) setupAssign(d *ui.Deps) {
	a.Messaging.OnInbound(messaging.NewTeam(a.Messaging, a.Live).InboundHook())
	d.CanSee = a.Messaging.CanSee
}
