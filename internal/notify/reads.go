package notify

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Notifications are the team's, but reading and dismissing them is each
// user's own: one agent clearing the bell must not clear it for the
// others. A user's state is a watermark ("everything up to id N is read",
// moved by MarkAllRead) plus a row per notification they read or
// dismissed one by one.

// Item is a notification as one user sees it.
type Item struct {
	Notification
	Read      bool `json:"read"`
	Dismissed bool `json:"dismissed"`
}

// unreadCap bounds the unread count: the bell shows "99+" past it, and
// counting stops there, so a flood of failures costs one short index walk.
const unreadCap = 100

// ForUser returns the latest notifications with userID's read and
// dismissed state, newest first; dismissed ones only when withDismissed.
func ForUser(ctx context.Context, q store.Querier, userID int64, limit int, withDismissed bool) ([]Item, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	query := `SELECT n.id, n.kind, n.title, n.body, n.ref, n.created_at,
			n.id <= COALESCE(m.read_upto, 0) OR COALESCE(r.read_at, 0) > 0,
			COALESCE(r.dismissed_at, 0) > 0
		FROM notifications n
		LEFT JOIN notification_marks m ON m.user_id = ?
		LEFT JOIN notification_reads r ON r.user_id = ? AND r.notification_id = n.id`
	if !withDismissed {
		query += ` WHERE COALESCE(r.dismissed_at, 0) = 0`
	}
	query += ` ORDER BY n.id DESC LIMIT ?`
	rows, err := q.Query(ctx, query, userID, userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		var it Item
		var at int64
		if err := rows.Scan(&it.ID, &it.Kind, &it.Title, &it.Body, &it.Ref, &at, &it.Read, &it.Dismissed); err != nil {
			return nil, err
		}
		it.CreatedAt = store.Time(at)
		out = append(out, it)
	}
	return out, rows.Err()
}

// Unread counts userID's unread, undismissed notifications, up to 100
// (more reads as 100).
func Unread(ctx context.Context, q store.Querier, userID int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM (
			SELECT 1 FROM notifications n
			WHERE n.id > COALESCE((SELECT read_upto FROM notification_marks WHERE user_id = ?), 0)
			  AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = ? AND r.notification_id = n.id)
			ORDER BY n.id DESC LIMIT ?) u`, userID, userID, unreadCap).Scan(&n)
	return n, err
}

// MarkRead marks notification id read for userID. It reports false when
// there is no such notification.
func MarkRead(ctx context.Context, q store.Querier, userID, id int64, now time.Time) (bool, error) {
	n, err := q.Exec(ctx, `INSERT INTO notification_reads (user_id, notification_id, read_at)
		SELECT ?, id, ? FROM notifications WHERE id = ?
		ON CONFLICT (user_id, notification_id) DO NOTHING`, userID, store.Millis(now), id)
	if err != nil || n > 0 {
		return n > 0, err
	}
	return exists(ctx, q, id)
}

// Dismiss hides notification id from userID's list (and marks it read).
// It reports false when there is no such notification.
func Dismiss(ctx context.Context, q store.Querier, userID, id int64, now time.Time) (bool, error) {
	at := store.Millis(now)
	n, err := q.Exec(ctx, `INSERT INTO notification_reads (user_id, notification_id, read_at, dismissed_at)
		SELECT ?, id, ?, ? FROM notifications WHERE id = ?
		ON CONFLICT (user_id, notification_id) DO UPDATE SET dismissed_at = excluded.dismissed_at`,
		userID, at, at, id)
	if err != nil || n > 0 {
		return n > 0, err
	}
	return exists(ctx, q, id)
}

// MarkAllRead marks every notification so far read for userID, by moving
// the user's watermark to the newest one.
func MarkAllRead(ctx context.Context, q store.Querier, userID int64) error {
	_, err := q.Exec(ctx, `INSERT INTO notification_marks (user_id, read_upto)
		SELECT ?, COALESCE(MAX(id), 0) FROM notifications WHERE true
		ON CONFLICT (user_id) DO UPDATE SET read_upto = excluded.read_upto`, userID)
	return err
}

func exists(ctx context.Context, q store.Querier, id int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE id = ?`, id).Scan(&n)
	return n > 0, err
}
