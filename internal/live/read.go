package live

import (
	"context"
	"errors"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// maxBatch bounds one read of the event table, so a stream that resumes
// after a long absence or a broker that wakes after a burst reads in
// pages rather than all at once.
const maxBatch = 500

// Cursor is a position in the event order: events are read by the
// transaction that appended them, then by id (see migration 00015). On
// SQLite tx is always 0 and the order is the id order.
type Cursor struct {
	Tx, ID int64
}

// After reports whether ev comes after c.
func (c Cursor) After(ev Event) bool {
	return ev.tx > c.Tx || (ev.tx == c.Tx && ev.ID > c.ID)
}

// At is the cursor of ev.
func At(ev Event) Cursor { return Cursor{Tx: ev.tx, ID: ev.ID} }

const eventColumns = `id, kind, conversation_id, message_id, user_id, created_at, tx`

// readAfter returns up to limit events after c that can no longer be
// overtaken: on PostgreSQL those of transactions older than the oldest one
// still running (a newer one's events wait until the older ones end).
// full says the page is full (read again at once); blocked says newer
// events wait for an older transaction to end (read again soon).
func readAfter(ctx context.Context, db store.DB, c Cursor, limit int) (evs []Event, full, blocked bool, err error) {
	if limit <= 0 || limit > maxBatch {
		limit = maxBatch
	}
	// Both forms seek the (tx, id) index to the cursor. The plain
	// "tx > ? OR (tx = ? AND id > ?)" made SQLite walk every event of the
	// cursor's tx from the start (all of them: its tx is always 0), so each
	// read cost the whole day's table; PostgreSQL seeks a row comparison.
	q := `SELECT * FROM (SELECT ` + eventColumns + `, 0 FROM live_events WHERE tx = ? AND id > ? ORDER BY tx, id LIMIT ?)
		UNION ALL SELECT * FROM (SELECT ` + eventColumns + `, 0 FROM live_events WHERE tx > ? ORDER BY tx, id LIMIT ?)
		ORDER BY 7, 1 LIMIT ?`
	args := []any{c.Tx, c.ID, limit, c.Tx, limit, limit}
	if db.Dialect() == store.Postgres {
		q = `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon)
			SELECT ` + eventColumns + `, h.horizon FROM live_events, h WHERE (tx, id) > (?, ?) ORDER BY tx, id LIMIT ?`
		args = []any{c.Tx, c.ID, limit}
	}
	rows, err := db.Read().Query(ctx, q, args...)
	if err != nil {
		return nil, false, false, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		var ev Event
		var at, horizon int64
		if err := rows.Scan(&ev.ID, &ev.Kind, &ev.ConversationID, &ev.MessageID, &ev.UserID, &at, &ev.tx, &horizon); err != nil {
			return nil, false, false, err
		}
		if horizon > 0 && ev.tx >= horizon {
			return evs, false, true, rows.Err() // an older transaction may still append before it
		}
		ev.At = store.Time(at)
		evs = append(evs, ev)
	}
	return evs, n == limit, false, rows.Err()
}

// Since returns the events after the one with id after that can be sent
// now, oldest first: what a reconnecting stream missed. It pages through
// at most max events.
func Since(ctx context.Context, db store.DB, after int64, max int) ([]Event, error) {
	c, err := CursorOf(ctx, db, after)
	if err != nil {
		return nil, err
	}
	var out []Event
	for len(out) < max {
		evs, full, _, err := readAfter(ctx, db, c, min(maxBatch, max-len(out)))
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
		if !full {
			break
		}
		c = At(evs[len(evs)-1])
	}
	return out, nil
}

// CursorOf is the position of the event with id (the Last-Event-ID a
// browser sends). An event deleted since (older than a day) resumes from
// the oldest event after it.
func CursorOf(ctx context.Context, db store.DB, id int64) (Cursor, error) {
	if id <= 0 {
		return Cursor{}, nil
	}
	c := Cursor{ID: id}
	err := db.Read().QueryRow(ctx, `SELECT tx FROM live_events WHERE id = ?`, id).Scan(&c.Tx)
	if errors.Is(err, store.ErrNotFound) {
		err = db.Read().QueryRow(ctx, `SELECT COALESCE(MIN(tx), 0) FROM live_events WHERE id > ?`, id).Scan(&c.Tx)
		c.ID = 0
	}
	return c, err
}

// Position is where a page rendered now has its event stream begin: the
// id of the newest event that nothing can overtake any more (0 when there
// is none). The page reads its data after this, so it shows every change
// up to here, and its stream, opened with this id as last_event_id,
// replays every event after it: a message that arrives while the page
// loads, before the browser has connected, still appears. (An event
// replayed that the page already shows is shown again in place.)
func Position(ctx context.Context, db store.DB) (int64, error) {
	c, err := end(ctx, db)
	return c.ID, err
}

// end is the cursor of the newest event that nothing can overtake any
// more, where a new broker starts following.
func end(ctx context.Context, db store.DB) (Cursor, error) {
	var c Cursor
	q := `SELECT tx, id FROM live_events ORDER BY tx DESC, id DESC LIMIT 1`
	if db.Dialect() == store.Postgres {
		q = `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon)
			SELECT tx, id FROM live_events, h WHERE tx < h.horizon ORDER BY tx DESC, id DESC LIMIT 1`
	}
	err := db.Read().QueryRow(ctx, q).Scan(&c.Tx, &c.ID)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return c, err
}

// sweep deletes events older than before: a browser away longer reloads
// the page rather than replaying a day of changes.
func sweep(ctx context.Context, db store.DB, before time.Time) error {
	return db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM live_events WHERE created_at < ?`, store.Millis(before))
		return err
	})
}
