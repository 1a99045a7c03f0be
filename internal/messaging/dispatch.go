package messaging

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
)

// The send queue is the messages table itself: a queued outbound message
// with send_at > 0 is due at send_at. One dispatcher per process claims due
// messages per sender, as many as the sender's rate can send within
// claimHorizon, in one transaction that also records the attempt (so a
// crash during the call to Meta leaves the attempt known to be in doubt).
// Each claimed message then waits for its rate-limit slot in its own
// goroutine, calls Meta, and hands its outcome to the committer, which
// records outcomes in batches (record.go).
//
// Why not a River job per message, as the rest of zapflow's background
// work: a job costs its own fetch, completion and our own two write
// transactions per message; on SQLite's single writer that capped sending
// at ~330 messages/s. Claiming and recording in batches turns it into two
// transactions per batch.
const (
	// claimHorizon is how far ahead a sender's rate-limit slots are
	// claimed: enough to keep sends flowing however late the next round
	// runs on a busy machine, short enough that a backoff Meta asks for
	// strands few claimed messages. A sender is topped up when less than
	// half of it is claimed, so claims come in sizeable batches.
	claimHorizon = 2 * time.Second
	// pollInterval bounds the wait between rounds when nothing wakes the
	// dispatcher: messages queued by another instance, clock jumps.
	pollInterval = 2 * time.Second
	// maxClaim caps one sender's claim per round.
	maxClaim = 1024
	// defaultMaxUnrecorded caps the outcomes waiting for the committer
	// (results.go), over all senders: past it, no more messages are
	// claimed. It bounds memory, not speed: the committer may lag the
	// sends for a while (on PostgreSQL it waits for intake's row locks on
	// the same messages, and a sender at 1,000/s outran it by 10-15%; a
	// cap of two commit batches held that sender back as much). Sends
	// waiting for their slot are not counted: claimHorizon bounds those.
	defaultMaxUnrecorded = 16 * maxCommitBatch
	// DefaultLease is how long a claimed message stays claimed. If the
	// process dies mid-call, the message becomes due again when the lease
	// ends, with its attempt in doubt: by then Meta's status webhook, which
	// echoes biz_opaque_callback_data "zf:<id>", has linked the wamid if
	// Meta had accepted it (ApplyStatus), and the message is no longer
	// queued. Only if Meta accepted it AND the webhook did not arrive within
	// the lease is it sent twice: that is the remaining at-least-once
	// window. The lease must outlast a slot wait plus the HTTP timeout, or
	// a second instance could claim a message still in flight.
	DefaultLease = 2 * time.Minute
)

// sendJob is one claimed message on its way to Meta.
type sendJob struct {
	id, senderID, accountID, contactID int64
	conversationID                     int64
	phoneID, senderStatus, to          string
	content, source                    string
	rate                               int
	attempt                            int   // this attempt's number, 1-based
	prevDoubt                          int64 // in_doubt_since before the claim
	slot                               time.Time
	// deadline: with sender leases (sender_lease.go), the call to Meta
	// must start by then or not at all; zero without leases.
	deadline time.Time
}

// Start runs the dispatcher and the committer until Stop.
func (o *Outbox) Start(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	o.stop = make(chan struct{})
	o.commitStop = make(chan struct{})
	o.dispatched = make(chan struct{})
	o.committed = make(chan struct{})
	committers := 1
	if o.DB.Dialect() == store.Postgres {
		committers = pgCommitters
	}
	var wg sync.WaitGroup
	for range committers {
		wg.Go(func() { o.commitLoop(ctx) })
	}
	go func() { wg.Wait(); close(o.committed) }()
	go o.dispatchLoop(ctx)
}

// Stop stops claiming, lets the sends in flight finish (until ctx ends;
// unfinished ones stay claimed and in doubt, see DefaultLease) and records
// their outcomes.
func (o *Outbox) Stop(ctx context.Context) {
	if o.stop == nil {
		return
	}
	close(o.stop)
	<-o.dispatched
	done := make(chan struct{})
	go func() { o.inflight.Wait(); close(done) }()
	finished := true
	select {
	case <-done:
	case <-ctx.Done():
		finished = false
		o.Log.Warn("sends still in flight at shutdown; they are retried after their lease", "lease", o.Lease)
	}
	close(o.commitStop)
	<-o.committed
	// Hand the sender leases back only when no send is still on its way:
	// otherwise they lapse by themselves, after the last slot booked.
	if o.leases != nil && finished {
		if err := o.leases.releaseAll(context.WithoutCancel(ctx), o.Now()); err != nil {
			o.Log.Warn("handing back sender leases", "err", err)
		}
	}
}

// wake asks for a dispatch round now (queued messages just committed).
func (o *Outbox) wake() {
	select {
	case o.wakeCh <- struct{}{}:
	default:
	}
}

func (o *Outbox) dispatchLoop(ctx context.Context) {
	defer close(o.dispatched)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-o.stop:
			return
		case <-o.wakeCh:
		case <-timer.C:
		}
		next, _, err := o.dispatchOnce(ctx)
		if err != nil {
			o.Log.Error("send dispatch", "err", err)
			next = time.Second
		}
		timer.Reset(next)
	}
}

// dispatchOnce claims what each sender can send within claimHorizon,
// starts those sends, and returns when the next round is needed and how
// many sends it started.
func (o *Outbox) dispatchOnce(ctx context.Context) (time.Duration, int, error) {
	now := o.Now()
	senders, err := o.queueSenders(ctx)
	if err != nil {
		return 0, 0, err
	}
	next := pollInterval
	if o.leases != nil {
		if err := o.leases.refresh(ctx); err != nil {
			return 0, 0, err
		}
	}
	var due []sendJob
	room := o.maxUnrecorded - int(o.unrecorded.Load())
	o.held.Store(false)
	for _, s := range senders {
		if o.leases != nil && o.leases.busy(s.id, now) {
			continue // another instance sends from it
		}
		if room <= 0 {
			// The committer wakes the dispatcher when it has caught up.
			o.held.Store(true)
			break
		}
		free := o.Limiter.Free(s.id)
		if free > claimHorizon/2 {
			next = min(next, free-claimHorizon/2)
			if o.leases != nil && o.leases.held[s.id] != nil {
				if _, _, err := o.leases.ensure(ctx, s.id, now); err != nil {
					return 0, 0, err
				}
			}
			continue
		}
		rate := float64(s.rate)
		if rate <= 0 {
			rate = ratelimit.DefaultRate
		}
		budget := min(max(int((claimHorizon-free).Seconds()*rate), 1), maxClaim, room)
		jobs, err := o.dueFor(ctx, s, now, budget)
		if err != nil {
			return 0, 0, err
		}
		if o.leases != nil {
			if jobs, err = o.leaseFor(ctx, s.id, now, jobs); err != nil {
				return 0, 0, err
			}
		}
		switch {
		case len(jobs) == budget:
			// More are waiting: top up when half of what is booked has gone
			// (maxClaim can book less than the horizon at high rates).
			booked := free + time.Duration(float64(budget)/rate*float64(time.Second))
			next = min(next, max(booked/2, time.Millisecond))
		case len(jobs) == 0:
			if at, err := o.nextDue(ctx, s, now); err != nil {
				return 0, 0, err
			} else if at > 0 {
				next = min(next, max(store.Time(at).Sub(now), time.Millisecond))
			}
		}
		due = append(due, jobs...)
		room -= len(jobs)
	}
	if o.leases != nil {
		next = min(next, o.leases.nextRound(now))
	}
	if len(due) == 0 {
		return next, 0, nil
	}
	claimed, err := o.claim(ctx, due, now)
	if err != nil {
		return 0, 0, err
	}
	for _, j := range claimed {
		o.launch(ctx, j)
	}
	return next, len(claimed), nil
}

type queueSender struct {
	id, accountID   int64
	phoneID, status string
	rate            int
	// holdBulk: the sender's confirmed quality is RED, so its bulk
	// messages, queued ones included, are held (F17).
	holdBulk bool
}

func (o *Outbox) queueSenders(ctx context.Context) ([]queueSender, error) {
	rows, err := o.DB.Read().Query(ctx, `SELECT id, account_id, phone_number_id, status, rate_limit, quality_rating FROM senders ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queueSender
	for rows.Next() {
		var s queueSender
		var quality string
		if err := rows.Scan(&s.id, &s.accountID, &s.phoneID, &s.status, &s.rate, &quality); err != nil {
			return nil, err
		}
		s.holdBulk = holdsBulk(quality)
		out = append(out, s)
	}
	return out, rows.Err()
}

// dueQuery and dueDirectQuery read a sender's due messages, oldest first:
// all of them, or (while its bulk messages are held) the direct ones only,
// through the partial index messages_send_due_direct, so held bulk
// messages cost the dispatcher nothing however many wait.
const (
	dueSelect = `SELECT m.id, m.conversation_id, m.content, m.attempts, m.in_doubt_since, m.source, k.id, k.phone
		FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts k ON k.id = c.contact_id
		WHERE m.sender_id = ? AND m.status = 'queued' AND m.send_at > 0 AND m.send_at <= ?`
	dueOrder       = ` ORDER BY m.send_at, m.id LIMIT ?`
	dueQuery       = dueSelect + dueOrder
	dueDirectQuery = dueSelect + ` AND NOT m.bulk` + dueOrder
)

// dueFor reads up to limit of sender s's due messages, oldest first.
func (o *Outbox) dueFor(ctx context.Context, s queueSender, now time.Time, limit int) ([]sendJob, error) {
	q := dueQuery
	if s.holdBulk {
		q = dueDirectQuery
	}
	rows, err := o.DB.Read().Query(ctx, q, s.id, store.Millis(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sendJob
	for rows.Next() {
		j := sendJob{senderID: s.id, accountID: s.accountID, phoneID: s.phoneID, senderStatus: s.status, rate: s.rate}
		if err := rows.Scan(&j.id, &j.conversationID, &j.content, &j.attempt, &j.prevDoubt, &j.source, &j.contactID, &j.to); err != nil {
			return nil, err
		}
		j.attempt++
		out = append(out, j)
	}
	return out, rows.Err()
}

// nextDueQuery and nextDueDirectQuery read when a sender's next queued
// message is due within a window (after the round's now, up to
// pollInterval later): of all, or of the direct ones only. They are
// written as the first row in index order, not MIN(send_at): PostgreSQL,
// estimating the partial index nearly empty (a young table, or statistics
// from a quiet hour), planned MIN as an aggregate over every entry of the
// sender, and every message claimed and in flight is one (queued, send_at
// at its lease's end): 20 ms a call over 700 entries under load.
//
// The window bounds the read on both sides. Every claim moves a message's
// send_at to its lease's end (ZAPFLOW_SEND_LEASE, 2 minutes ahead) and
// every send to 0, and on PostgreSQL each move leaves the old index entry
// behind until vacuum: read from the start, the first live entry (the
// oldest claim in flight, two minutes ahead) came after every entry the
// last two minutes of sends left, 2.1-2.5 ms a call in bench-flows.
// Nothing outside the window changes the round's wait: what is due by now
// the round's own due read has just taken (or another instance won the
// sender's lease, and the lease rounds, every clusterPoll, follow that),
// and the wait is pollInterval at most anyway.
const (
	nextDueSelect      = `SELECT send_at FROM messages WHERE sender_id = ? AND status = 'queued' AND send_at > 0 AND send_at > ? AND send_at <= ?`
	nextDueOrder       = ` ORDER BY send_at LIMIT 1`
	nextDueQuery       = nextDueSelect + nextDueOrder
	nextDueDirectQuery = nextDueSelect + ` AND NOT bulk` + nextDueOrder
)

// nextDue is when sender s's next queued message is due after now and
// within pollInterval (0: none), held bulk messages aside.
func (o *Outbox) nextDue(ctx context.Context, s queueSender, now time.Time) (int64, error) {
	q := nextDueQuery
	if s.holdBulk {
		q = nextDueDirectQuery
	}
	var at int64
	err := o.DB.Read().QueryRow(ctx, q, s.id, store.Millis(now), store.Millis(now.Add(pollInterval))).Scan(&at)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	return at, err
}

// leaseFor takes or renews sender id's lease when it has due jobs, and
// stamps them with its deadline; with nothing due it only keeps a held
// lease alive. Without the lease the jobs are left to its holder.
func (o *Outbox) leaseFor(ctx context.Context, id int64, now time.Time, jobs []sendJob) ([]sendJob, error) {
	if len(jobs) == 0 {
		return nil, o.leases.keep(ctx, id, now)
	}
	deadline, ok, err := o.leases.ensure(ctx, id, now)
	if err != nil || !ok {
		return nil, err
	}
	for i := range jobs {
		jobs[i].deadline = deadline
	}
	return jobs, nil
}

// claim records the attempt of every due message in one transaction and
// returns those it claimed: a message another instance claimed meanwhile
// (its send_at moved on) is left alone.
//
// The claim is Urgent: every send it starts waits for it, while on SQLite
// the batches of events and outcomes queued for the writer ahead of it
// hold it for tens of milliseconds each. Measured in bench-flows at about
// 1,600 flows/s, queued → sent went from 81–90 ms to 39 ms at the median
// and from 158–174 ms to 89–91 ms at p99.
func (o *Outbox) claim(ctx context.Context, due []sendJob, now time.Time) ([]sendJob, error) {
	byID := make(map[int64]sendJob, len(due))
	for _, j := range due {
		byID[j.id] = j
	}
	var claimed []sendJob
	err := o.DB.InTx(store.ForWork(store.Urgent(ctx), store.WorkSends), func(tx store.Tx) error {
		claimed = claimed[:0]
		start := 0
		for _, size := range store.Chunks(len(due)) {
			chunk := due[start : start+size]
			start += size
			args := []any{store.Millis(now), store.Millis(now.Add(o.Lease)), store.Millis(now)}
			for _, j := range chunk {
				args = append(args, j.id)
			}
			args = append(args, store.Millis(now))
			rows, err := tx.Query(ctx, claimSQL(size), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				claimed = append(claimed, byID[id])
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return claimed, err
}

// claimSQL claims n messages found by id, re-checking that each is
// still due. The re-check is written "send_at + 0 > 0" so that it does not
// match the predicate of the partial index messages_send_due: otherwise
// PostgreSQL, which estimates that index small (few messages are queued),
// scans it for the ids instead of the primary key, and every claim
// changes send_at, so the index is full of dead entries. In a 20,000-flow
// benchmark such a scan read 1,900 pages to claim 4 messages.
func claimSQL(n int) string {
	return `UPDATE messages SET attempts = attempts + 1, in_doubt_since = ?, send_at = ?, updated_at = ?
		WHERE id IN (` + store.List(n) + `) AND status = 'queued' AND send_at + 0 > 0 AND send_at <= ? RETURNING id`
}

// launch books the job's rate-limit slot and sends it in its own
// goroutine. A slot too far ahead (Meta asked the sender to back off, or
// the recipient's pair limit) releases the claim until then instead of
// holding it past its lease.
func (o *Outbox) launch(ctx context.Context, j sendJob) {
	wait := o.Limiter.Reserve(j.senderID, float64(j.rate), j.to)
	o.Metrics.SlotBooked(j.senderID, j.paceRate())
	j.slot = o.Now().Add(wait)
	o.inflight.Add(1)
	if wait > o.Lease/4 || (!j.deadline.IsZero() && j.slot.After(j.deadline)) {
		o.deliver(sendResult{job: j, kind: resultRelease})
		return
	}
	go func() { o.deliver(o.attempt(ctx, j)) }()
}

// Unrecorded is how many send outcomes wait for the committer (a metric:
// how far recording lags the sends).
func (o *Outbox) Unrecorded() int { return int(o.unrecorded.Load()) }

// deliver hands a result to the committer. After a shutdown that timed out
// the committer is gone: the message stays claimed and in doubt, and is
// dealt with after its lease.
func (o *Outbox) deliver(r sendResult) {
	o.Metrics.SendAttempt(r.job.senderID, r.kind.String(), r.code())
	select {
	case <-o.commitStop:
		o.inflight.Done()
		return
	default:
	}
	o.unrecorded.Add(1)
	o.results.push(r)
}
