package app

import (
	"context"

	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/web"
	"github.com/zapflow/zapflow/internal/web/ui"
)

// hookLeads hangs auto lead capture on every inbound message. It is
// registered before the flows' hook, so a flow step in the same
// transaction finds the lead auto lead made (with its source and agent),
// and before the support team's hook, so every transaction takes its
// locks in one order (the contact's lead, the lead turn, then the
// conversation turn). The service itself is built by setupLeads, once the
// live hub exists; no message is processed before New returns.
func (a *App) hookLeads() {
	a.Messaging.OnInbound(func(ctx context.Context, tx store.Tx, ev messaging.InboundEvent) error {
		_, err := a.Leads.Capture(ctx, tx, ev.ContactID)
		return err
	})
}

// setupLeads builds the lead service (its changes append live events, so
// the assigned agent hears of a new lead) and hands it to the API and the
// web app.
func (a *App) setupLeads(d *web.Deps, u *ui.Deps) {
	a.Leads = lead.New(a.DB, a.Settings, a.Live, a.now)
	d.Leads = a.Leads
	u.Leads = a.Leads
}
