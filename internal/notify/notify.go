// Package notify records team notifications: things that went wrong that a
// person should see (a message that failed after its retries, a sender that
// went offline or dropped in quality, an account whose token Meta
// refused). The inbox shows them; other channels (webhook, e-mail) can
// read the same table later.
package notify

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Kinds of notification.
const (
	KindSendFailed     = "send_failed"
	KindSenderOffline  = "sender_offline"
	KindSenderQuality  = "sender_quality"
	KindProcessingFail = "processing_failed"
	// KindCredentials: Meta refused an account's access token.
	KindCredentials = "account_credentials"
	// KindTemplateCategory: Meta moved, or will move, a template to
	// another category.
	KindTemplateCategory = "template_category"
)

// Notification is one record.
type Notification struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Ref       string    `json:"ref"`
	CreatedAt time.Time `json:"created_at"`
}

// LiveKind is the live event kind a new notification appends, so every
// signed-in browser updates its bell.
const LiveKind = "notification"

// Add records a notification through q (usually the transaction that
// recorded the failure, so both commit together) and appends its live
// event. The event carries no conversation: every user's bell hears it.
// Add does not wake this process's event streams itself (it has no hub);
// a commit that appends other events wakes them, a NOTIFY does on
// PostgreSQL, and otherwise the broker's safety poll (2 s) picks it up —
// notifications are rare, and that is soon enough for a bell.
func Add(ctx context.Context, q store.Querier, kind, title, body, ref string, now time.Time) error {
	var id int64
	if err := q.QueryRow(ctx, `INSERT INTO notifications (kind, title, body, ref, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		kind, title, body, ref, store.Millis(now)).Scan(&id); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `INSERT INTO live_events (kind, conversation_id, message_id, user_id, created_at) VALUES (?, 0, ?, 0, ?)`,
		LiveKind, id, store.Millis(now))
	return err
}

// List returns the latest notifications, newest first.
func List(ctx context.Context, q store.Querier, limit int) ([]Notification, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := q.Query(ctx, `SELECT id, kind, title, body, ref, created_at FROM notifications ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Notification{}
	for rows.Next() {
		var n Notification
		var at int64
		if err := rows.Scan(&n.ID, &n.Kind, &n.Title, &n.Body, &n.Ref, &at); err != nil {
			return nil, err
		}
		n.CreatedAt = store.Time(at)
		out = append(out, n)
	}
	return out, rows.Err()
}
