package messaging

import (
	"context"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/store"
)

// Resolve marks conversation id done; the customer's next message reopens
// it. by is the user who resolved it.
func (t *Team) Resolve(ctx context.Context, id, by int64) error {
	return t.setResolved(ctx, id, by, store.Millis(t.svc.now()))
}

// Reopen puts a resolved conversation back in the open list.
func (t *Team) Reopen(ctx context.Context, id, by int64) error {
	return t.setResolved(ctx, id, by, 0)
}

func (t *Team) setResolved(ctx context.Context, id, by, at int64) error {
	return t.svc.db.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE conversations SET resolved_at = ? WHERE id = ?`, at, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.NotFound("conversation")
		}
		return t.hub.Append(ctx, tx, live.Event{Kind: live.KindConversation, ConversationID: id, UserID: by})
	})
}

// MarkRead records that the team has seen conversation id up to its
// newest message (an agent opened the chat or replied): its unread count
// drops to zero. It writes only when something was unread.
func (t *Team) MarkRead(ctx context.Context, id, by int64) error {
	// Opening a chat with nothing unread (the usual case) reads only:
	// no write transaction for a page view.
	var unread bool
	if err := t.svc.db.Read().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM conversations c JOIN messages m ON m.conversation_id = c.id
			WHERE c.id = ? AND m.direction = 'in' AND m.id > c.last_read_message_id)`, id).Scan(&unread); err != nil || !unread {
		return err
	}
	return t.svc.db.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE conversations SET last_read_message_id =
				(SELECT COALESCE(MAX(m.id), 0) FROM messages m WHERE m.conversation_id = conversations.id)
			WHERE id = ? AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id
				AND m.direction = 'in' AND m.id > conversations.last_read_message_id)`, id)
		if err != nil || n == 0 {
			return err
		}
		return t.hub.Append(ctx, tx, live.Event{Kind: live.KindConversation, ConversationID: id, UserID: by})
	})
}

// InboundHook reacts to each new inbound message: a new conversation gets
// an agent when automatic assignment is on, and a resolved conversation
// the customer writes to again is reopened.
func (t *Team) InboundHook() InboundHook {
	return func(ctx context.Context, tx store.Tx, ev InboundEvent) error {
		if ev.NewConversation {
			sa, err := supportAgents(ctx, t.svc, tx)
			if err != nil {
				return err
			}
			if sa.AutoAssign {
				return t.autoAssign(ctx, tx, ev.ConversationID)
			}
			return nil
		}
		if !ev.WasResolved {
			return nil // open already: no statement
		}
		n, err := tx.Exec(ctx, `UPDATE conversations SET resolved_at = 0 WHERE id = ? AND resolved_at <> 0`, ev.ConversationID)
		if err != nil || n == 0 {
			return err
		}
		return t.hub.Append(ctx, tx, live.Event{Kind: live.KindConversation, ConversationID: ev.ConversationID})
	}
}
