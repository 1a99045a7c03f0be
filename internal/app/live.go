package app

import (
	"context"

	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
)

// setupLive makes every change the inbox shows append its live event in
// the transaction that makes it: an inbound message, an outbound message
// queued, a send's outcome and a delivery status from a webhook. The
// broker that reads them for this process's streams starts in Run.
func (a *App) setupLive() {
	a.Live = live.New(a.DB, a.now)
	a.LiveBroker = live.NewBroker(a.Live, a.log.With("component", "live"), live.BrokerOptions{})
	a.Messaging.OnInbound(func(ctx context.Context, tx store.Tx, ev messaging.InboundEvent) error {
		return a.Live.Append(ctx, tx, live.Event{Kind: live.KindInbound, ConversationID: ev.ConversationID, MessageID: ev.Message.ID})
	})
	a.Outbox.OnQueued(func(ctx context.Context, tx store.Tx, m messaging.Message) error {
		return a.Live.Append(ctx, tx, live.Event{Kind: live.KindMessage, ConversationID: m.ConversationID, MessageID: m.ID})
	})
	a.Outbox.OnOutcome(func(ctx context.Context, tx store.Tx, o messaging.SendOutcome) error {
		return a.Live.Append(ctx, tx, live.Event{Kind: live.KindStatus, ConversationID: o.ConversationID, MessageID: o.MessageID})
	})
	a.Messaging.OnStatus(func(ctx context.Context, tx store.Tx, c messaging.StatusChange) error {
		return a.Live.Append(ctx, tx, live.Event{Kind: live.KindStatus, ConversationID: c.ConversationID, MessageID: c.MessageID})
	})
}
