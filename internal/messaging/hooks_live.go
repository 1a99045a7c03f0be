package messaging

import (
	"context"

	"github.com/zapflow/zapflow/internal/store"
)

// QueuedHook runs inside the transaction that queues an outbound message
// (SendTx), so what it writes commits with the message (the inbox's live
// event).
type QueuedHook func(ctx context.Context, tx store.Tx, m Message) error

// OnQueued registers a hook for every queued outbound message. Register
// hooks before anything sends.
func (o *Outbox) OnQueued(h QueuedHook) { o.queuedHooks = append(o.queuedHooks, h) }

func (o *Outbox) runQueuedHooks(ctx context.Context, tx store.Tx, m Message) error {
	for _, h := range o.queuedHooks {
		if err := h(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

// StatusChange is a delivery status a webhook applied to one of our
// messages.
type StatusChange struct {
	MessageID      int64
	ConversationID int64
	Status         string
}

// StatusHook runs inside the processing transaction that applied a
// status.
type StatusHook func(ctx context.Context, tx store.Tx, c StatusChange) error

// OnStatus registers a hook for every status applied from a webhook.
// Register hooks before processing starts.
func (s *Service) OnStatus(h StatusHook) { s.statusHooks = append(s.statusHooks, h) }

func (s *Service) runStatusHooks(ctx context.Context, tx store.Tx, res statusResult, status string) error {
	if !res.applied || res.messageID == 0 {
		return nil
	}
	for _, h := range s.statusHooks {
		if err := h(ctx, tx, StatusChange{MessageID: res.messageID, ConversationID: res.conversationID, Status: status}); err != nil {
			return err
		}
	}
	return nil
}
