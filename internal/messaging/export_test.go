package messaging

import (
	"context"
	"time"
)

// Step runs one dispatch round without Start and records its outcomes, so
// tests drive the send queue with an injected clock.
func (o *Outbox) Step(ctx context.Context) (int, error) {
	_, n, err := o.dispatchOnce(ctx)
	if err != nil || n == 0 {
		return n, err
	}
	batch := make([]sendResult, 0, n)
	for range n {
		batch = append(batch, <-o.results)
	}
	o.commit(ctx, batch)
	return n, nil
}

// SkipSlotWaits makes sends go at once instead of waiting for their
// rate-limit slot, reporting each slot (the time the send stands for on
// the injected clock) to record, or giving the claim back when record
// returns false.
func (o *Outbox) SkipSlotWaits(record func(id int64, slot time.Time) bool) {
	o.slotWait = func(j sendJob) bool { return record(j.id, j.slot) }
}

// Die runs one dispatch round and drops its outcomes unrecorded, as a
// process killed after claiming would: the claimed messages stay claimed
// until their lease ends.
func (o *Outbox) Die(ctx context.Context) (int, error) {
	_, n, err := o.dispatchOnce(ctx)
	for range n {
		<-o.results
	}
	return n, err
}
