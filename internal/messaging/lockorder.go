package messaging

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Lock order on PostgreSQL. Two kinds of transaction update the rows of
// sent messages: the outbox's outcome batch (the wamid, once Meta accepted
// a send) and an intake lane applying status webhooks (by wamid, or by our
// id echoed in biz_opaque_callback_data). Each touches many messages in an
// order of its own (results as they came back, events as they arrived),
// so two of them could each hold a row the other waits for: "deadlock
// detected", and the whole batch is redone. Both therefore lock every
// message row they will update first, in one statement, in id order;
// after that, neither waits for a message row the other holds while
// holding one it wants. The outcome batch does not even wait for the rows
// it wants: it takes the free ones and leaves the others to a later batch
// (lockOutcomes, record.go), until one has been left three times.

// lockMessages locks the rows of ids, in id order (PostgreSQL only: the
// SQLite writer is alone).
func lockMessages(ctx context.Context, tx store.Tx, d store.Dialect, ids []int64) error {
	if d != store.Postgres {
		return nil
	}
	_, err := lockRows(ctx, tx, ids, false)
	return err
}

// lockFreeMessages locks, in id order, the rows of ids that no other
// transaction holds, without waiting for the others (PostgreSQL only), and
// returns the ids it locked.
func lockFreeMessages(ctx context.Context, tx store.Tx, ids []int64) (map[int64]bool, error) {
	return lockRows(ctx, tx, ids, true)
}

// lockRows locks message rows in id order: the chunks come in id order
// too, so the locks are taken in id order overall. With skipLocked, rows
// another transaction holds are left out instead of waited for. It returns
// the ids it locked.
func lockRows(ctx context.Context, tx store.Tx, ids []int64, skipLocked bool) (map[int64]bool, error) {
	q := ` ORDER BY id FOR UPDATE`
	if skipLocked {
		q += ` SKIP LOCKED`
	}
	locked := make(map[int64]bool, len(ids))
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, n := range store.Chunks(len(ids)) {
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		got, err := store.QueryIDs(ctx, tx, `SELECT id FROM messages WHERE id IN (`+store.List(n)+`)`+q, args...)
		if err != nil {
			return nil, err
		}
		for _, id := range got {
			locked[id] = true
		}
		ids = ids[n:]
	}
	return locked, nil
}

// LockStatusTargets locks, in id order, the messages that the status
// events among evs will update, before any of them is applied: an intake
// lane calls it at the start of its transaction (see the lock order above).
func (s *Service) LockStatusTargets(ctx context.Context, tx store.Tx, evs []whatsapp.Event) error {
	if s.db.Dialect() != store.Postgres {
		return nil
	}
	var wamids []any
	var ids []int64
	for _, ev := range evs {
		if ev.Kind != whatsapp.EventStatus || ev.Status == nil {
			continue
		}
		if ev.Status.ID != "" {
			wamids = append(wamids, ev.Status.ID)
		}
		if idText, ok := strings.CutPrefix(ev.Status.BizOpaqueCallbackData, opaquePrefix); ok {
			if id, err := strconv.ParseInt(idText, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
	}
	// The ids of the messages the wamids name (read without a lock), then
	// the locks, all in id order.
	for _, n := range store.Chunks(len(wamids)) {
		got, err := store.QueryIDs(ctx, tx, `SELECT id FROM messages WHERE wamid IN (`+store.List(n)+`)`, wamids[:n]...)
		if err != nil {
			return err
		}
		ids = append(ids, got...)
		wamids = wamids[n:]
	}
	return lockMessages(ctx, tx, s.db.Dialect(), ids)
}
