package messaging

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/zapflow/zapflow/internal/store"
)

// A transaction's conversation touches are the writes to a conversation
// row that nothing in the transaction reads back: which message was its
// first (first_message_id) and that an outbound message was queued in it
// (last_message_at, updated_at). An automated reply made both on the same
// new row, one UPDATE each, right after the INSERT that created it; on
// PostgreSQL each wrote a new version of the row, the second with new
// entries in the four indexes on last_message_at. They are kept until the
// commit (store.Tx.BeforeCommit) and written then with one UPDATE per
// chunk of conversations, one row version each: in alternating
// bench-flows runs on PostgreSQL, 479-612 flows/s became 629-666. SQLite,
// where both updates hit pages the transaction already holds, measured
// the same before and after.
//
// Both are monotonic, so applying them later, merged, ends where applying
// them in order ends: first_message_id is set only while it is 0, and
// last_message_at and updated_at only move forward. What the transaction
// reads of a conversation in between is not among them: the reply window
// (touchInbound still writes at once, since a free-form send checks it)
// and the row's existence. A touch made inside a savepoint is written at
// once, since the savepoint could roll back without the buffer.
type convTouch struct {
	first   int64 // the first message's id; 0: not known here
	lastAt  int64 // an outbound message's time; 0: none
	updated int64
}

// convTouches is a transaction's buffer.
type convTouches struct {
	m       map[int64]convTouch // by conversation id
	flushed bool                // the commit has begun: touches are written at once
}

const convTouchesKey = "messaging.conversation_touches"

// touchConversation records t for conversation convID: in the
// transaction's buffer when it has one, else at once.
func touchConversation(ctx context.Context, tx store.Tx, convID int64, t convTouch) error {
	buf := touchesOf(tx)
	if buf == nil || buf.flushed || store.InSavepoint(tx) {
		return writeTouches(ctx, tx, []int64{convID}, map[int64]convTouch{convID: t})
	}
	if buf.m == nil {
		buf.m = map[int64]convTouch{}
		tx.BeforeCommit(convTouchesKey, func() error {
			buf.flushed = true
			return flushTouches(ctx, tx, buf)
		})
	}
	if old, ok := buf.m[convID]; ok {
		if old.first != 0 {
			t.first = old.first // the earlier message was the first
		}
		t.lastAt, t.updated = max(t.lastAt, old.lastAt), max(t.updated, old.updated)
	}
	buf.m[convID] = t
	return nil
}

// bufferedFirst returns the first message id buffered for convID, or 0.
// touchInbound, which writes first_message_id at once, must write that
// one and not its own message. The buffer keeps it (the flush then
// changes nothing): a savepoint that rolls touchInbound back leaves it
// to the flush.
func bufferedFirst(tx store.Tx, convID int64) int64 {
	if buf := touchesOf(tx); buf != nil {
		return buf.m[convID].first
	}
	return 0
}

// touchesOf returns tx's buffer, nil for a Tx without one.
func touchesOf(tx store.Tx) *convTouches {
	return store.TxValue(tx, convTouchesKey, func() *convTouches { return &convTouches{} })
}

// FlushConversationTouches writes tx's buffered conversation touches now:
// for a read of last_message_at (which of a contact's conversations is
// the latest) in the transaction that buffered them.
func FlushConversationTouches(ctx context.Context, tx store.Tx) error {
	if buf := touchesOf(tx); buf != nil {
		return flushTouches(ctx, tx, buf)
	}
	return nil
}

// flushTouches writes the buffer, in conversation id order (on PostgreSQL
// every transaction then locks the rows it touches last in one order),
// and empties it.
func flushTouches(ctx context.Context, tx store.Tx, buf *convTouches) error {
	ids := slices.Sorted(maps.Keys(buf.m))
	for _, n := range store.Chunks(len(ids)) {
		if err := writeTouches(ctx, tx, ids[:n], buf.m); err != nil {
			return err
		}
		ids = ids[n:]
	}
	clear(buf.m)
	return nil
}

// writeTouches applies the touches of ids in one statement.
func writeTouches(ctx context.Context, tx store.Tx, ids []int64, touches map[int64]convTouch) error {
	args := make([]any, 0, 5*len(ids))
	for _, id := range ids {
		t := touches[id]
		args = append(args, id, t.first, t.lastAt, t.updated)
	}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := tx.Exec(ctx, touchSQL(len(ids)), args...)
	return err
}

// touchSQL is writeTouches' statement for n conversations: each one's id,
// first message, last message time and update time, then the n ids again.
// The first row is cast so PostgreSQL knows the values' types. The id list
// makes PostgreSQL find the rows through the primary key whatever its
// statistics say: with the join on v alone, it planned a whole-table scan
// into a hash while the table was young, and kept that plan as the table
// grew (see statusRowsSQL).
func touchSQL(n int) string {
	var b strings.Builder
	b.WriteString(`WITH v (cid, first_id, last_at, upd) AS (VALUES (CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))`)
	for range n - 1 {
		b.WriteString(`, (?, ?, ?, ?)`)
	}
	b.WriteString(`)
	UPDATE conversations SET
		first_message_id = CASE WHEN first_message_id = 0 THEN v.first_id ELSE first_message_id END,
		last_message_at = CASE WHEN v.last_at > last_message_at THEN v.last_at ELSE last_message_at END,
		updated_at = CASE WHEN v.upd > updated_at THEN v.upd ELSE updated_at END
	FROM v WHERE conversations.id = v.cid AND conversations.id IN (` + store.List(n) + `)`)
	return b.String()
}
