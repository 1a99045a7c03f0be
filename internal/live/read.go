package live

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// maxBatch bounds one read of the event table, so a stream that resumes
// after a long absence or a broker that wakes after a burst reads in
// pages rather than all at once.
const maxBatch = 500

const eventColumns = `id, kind, conversation_id, message_id, user_id, created_at`

// Since returns up to limit events committed with an id above after,
// oldest first: what a reconnecting stream missed.
func Since(ctx context.Context, q store.Querier, after int64, limit int) ([]Event, error) {
	if limit <= 0 || limit > maxBatch {
		limit = maxBatch
	}
	return scanEvents(q.Query(ctx, `SELECT `+eventColumns+` FROM live_events WHERE id > ? ORDER BY id LIMIT ?`, after, limit))
}

// byIDs returns the events among ids that are committed now.
func byIDs(ctx context.Context, q store.Querier, ids []int64) ([]Event, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return scanEvents(q.Query(ctx, `SELECT `+eventColumns+` FROM live_events WHERE id IN (`+store.List(len(ids))+`) ORDER BY id`, args...))
}

func scanEvents(rows store.Rows, err error) ([]Event, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var at int64
		if err := rows.Scan(&ev.ID, &ev.Kind, &ev.ConversationID, &ev.MessageID, &ev.UserID, &at); err != nil {
			return nil, err
		}
		ev.At = store.Time(at)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// lastID is the newest event id, where a new broker starts following.
func lastID(ctx context.Context, q store.Querier) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM live_events`).Scan(&id)
	return id, err
}

// sweep deletes events older than keep: a browser away longer reloads the
// page rather than replaying a day of changes.
func sweep(ctx context.Context, db store.DB, before time.Time) error {
	return db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM live_events WHERE created_at < ?`, store.Millis(before))
		return err
	})
}
