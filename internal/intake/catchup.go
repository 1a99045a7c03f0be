package intake

import (
	"context"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// catchUp applies, inside tx, the oldest pending events, at most limit
// of them, one by one and in id order, marks them processed, and reports
// how many it applied and whether none is left pending. It is SQLite's
// writer doing its single lane's work (Writer.ApplyWhenCaughtUp): a
// commit that finds events pending must not apply its own before them,
// and without this it would store them pending too, for a lane slower
// per event (it reads each event back, marks it and commits again) than
// the load. At a steady 1,750 flows/s one slip behind became a backlog
// that never drained; taking a lane's step (256) per commit did not
// drain it either, as a commit there stores up to a thousand events.
//
// Unlike a lane it has no careful attempt: an event that fails, for its
// own fault or not, fails the call, and the caller rolls back. The lane
// still works concurrently and safely: it rereads what it read before its
// transaction (stillPending), and both take a prefix of the pending
// events in id order, so order per conversation holds.
func (d *Dispatcher) catchUp(ctx context.Context, tx store.Tx, limit int) (applied int, caughtUp bool, err error) {
	events, err := readPending(ctx, tx, pendingAllQuery, limit)
	if err != nil || len(events) == 0 {
		return 0, err == nil, err
	}
	evs := make([]whatsapp.Event, len(events))
	signers := make([]int64, len(events))
	ids := make([]any, len(events))
	for i, e := range events {
		if e.decodeErr != nil {
			return 0, false, undecodable(e.decodeErr)
		}
		evs[i], signers[i], ids[i] = e.ev, e.account, e.id
	}
	if err := d.processInOrder(ctx, tx, signers, evs); err != nil {
		return 0, false, err
	}
	if err := markProcessed(ctx, tx, store.Millis(d.now()), ids); err != nil {
		return 0, false, err
	}
	return len(events), len(events) < limit, nil
}
