package messaging

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
)

// NextDue is nextDue for sender id (no bulk held): when its next queued
// message is due after now and within a round's longest wait, 0 if none.
func (o *Outbox) NextDue(ctx context.Context, id int64, now time.Time) (int64, error) {
	return o.nextDue(ctx, queueSender{id: id}, now)
}

// Step runs one dispatch round without Start and records its outcomes, so
// tests drive the send queue with an injected clock.
func (o *Outbox) Step(ctx context.Context) (int, error) {
	n, record, err := o.Launch(ctx)
	if err == nil && n > 0 {
		record()
	}
	return n, err
}

// Launch runs one dispatch round and returns how many sends it started
// and a function that records their outcomes: a committer that falls
// behind, recording them later.
func (o *Outbox) Launch(ctx context.Context) (int, func(), error) {
	_, n, err := o.dispatchOnce(ctx)
	batch := o.awaitResults(n)
	return n, func() { o.commit(ctx, batch) }, err
}

// LaunchDeferring is Launch whose record function returns the ids of the
// outcomes the batch left for a later one (rows another transaction
// held, PostgreSQL); calling it again records those.
func (o *Outbox) LaunchDeferring(ctx context.Context) (int, func() []int64, error) {
	_, n, err := o.dispatchOnce(ctx)
	batch := o.awaitResults(n)
	return n, func() []int64 {
		batch = o.commit(ctx, batch)
		ids := make([]int64, len(batch))
		for i, r := range batch {
			ids[i] = r.job.id
		}
		return ids
	}, err
}

// awaitResults takes the next n outcomes, waiting for the sends.
func (o *Outbox) awaitResults(n int) []sendResult {
	batch := make([]sendResult, 0, n)
	for len(batch) < n {
		<-o.results.ready
		batch = o.results.take(batch, n)
	}
	return batch
}

// SetMaxUnrecorded caps the outcomes waiting for the committer.
func (o *Outbox) SetMaxUnrecorded(n int) { o.maxUnrecorded = n }

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
	n, _, err := o.Launch(ctx)
	return n, err
}

// Leases exposes one instance's sender leases to tests.
type Leases struct{ l *senderLeases }

func NewLeases(db store.DB) Leases { return Leases{newSenderLeases(db)} }

// NewLeasesPacing is NewLeases for an instance whose limiter is told of
// take-overs, as NewOutbox wires it.
func NewLeasesPacing(db store.DB, lim *ratelimit.Limiter) Leases {
	l := newSenderLeases(db)
	l.takeOver = lim.TakeOver
	return Leases{l}
}

// Take reads the lease table and takes or renews sender id's lease at now.
func (x Leases) Take(ctx context.Context, id int64, now time.Time) (bool, error) {
	if err := x.l.refresh(ctx); err != nil {
		return false, err
	}
	_, ok, err := x.l.ensure(ctx, id, now)
	return ok, err
}

// Release hands sender id's lease back as of now.
func (x Leases) Release(ctx context.Context, id int64, now time.Time) error {
	return x.l.release(ctx, id, now)
}

// PhonesCached counts the numbers in the phone cache.
func (o *Outbox) PhonesCached() int {
	o.phones.mu.Lock()
	defer o.phones.mu.Unlock()
	return len(o.phones.m)
}

// StatusRowsSQL is ApplyStatusBatch's statement for n messages.
var StatusRowsSQL = statusRowsSQL

// TouchSQL is the statement that writes n buffered conversation touches.
var TouchSQL = touchSQL
