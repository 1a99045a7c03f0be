package intake

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// eventsPerTx bounds one processing transaction on SQLite, so a backlog
// is worked in steps that each hold the single writer only briefly.
const eventsPerTx = 256

// pgEventsPerTx bounds one lane's transaction on PostgreSQL, where commits
// are cheap (relaxed) and what a long transaction costs is its row locks:
// the outbox's outcome batches wait for the messages a lane locked. In
// alternating bench-flows runs, 64 gave 362 and 400 flows/s where 256 gave
// 322 and 338.
const pgEventsPerTx = 64

// pgLanes is how many transactions apply events at once on PostgreSQL:
// enough to overlap round trips, few enough that commits stay large.
const pgLanes = 8

// LockFunc is called at the start of a lane's transaction with the batch's
// decoded events, before any is applied (messaging.Service.LockStatusTargets:
// it locks the rows they will update in one consistent order).
type LockFunc func(ctx context.Context, tx store.Tx, evs []whatsapp.Event) error

// BatchFunc applies set-based what it can of a batch's decoded events
// (evs[i] signed by signers[i]), after LockFunc and before the events are
// applied one by one, and reports which it applied in full; those are only
// marked processed (messaging.Service.ApplyStatusBatch: the plain delivery
// statuses, one statement per chunk). It must not fail for an event's own
// fault: what it cannot apply exactly as ProcessFunc would, it leaves.
type BatchFunc func(ctx context.Context, tx store.Tx, signers []int64, evs []whatsapp.Event) (done []bool, err error)

// ProcessFunc applies one event inside tx (messaging.Service.Process).
// signer is the account whose app secret verified the webhook that carried
// it: processing applies only what that account may speak for.
type ProcessFunc func(ctx context.Context, tx store.Tx, signer int64, ev whatsapp.Event) error

// Dispatcher applies stored events. Its lanes work in parallel, each over
// a fixed set of partitions in one transaction at a time. SQLite has a
// single writer, so it gets one lane over every partition: more lanes would
// only queue for the connection and pay one commit each. PostgreSQL gets
// pgLanes lanes of Partitions/pgLanes partitions each.
type Dispatcher struct {
	db         store.DB
	process    ProcessFunc
	lock       LockFunc  // nil: nothing to lock first
	batch      BatchFunc // nil: every event goes through process
	metrics    *metrics.Metrics
	log        *slog.Logger
	now        func() time.Time
	sweepEvery time.Duration
	lanes      int
	perTx      int             // eventsPerTx or pgEventsPerTx
	wake       []chan struct{} // one per lane
	wg         sync.WaitGroup
	cancel     context.CancelFunc
}

// NewDispatcher builds a Dispatcher; sweepEvery is how often each lane
// looks for work nobody woke it for.
func NewDispatcher(db store.DB, process ProcessFunc, m *metrics.Metrics, log *slog.Logger, now func() time.Time, sweepEvery time.Duration) *Dispatcher {
	lanes, perTx := 1, eventsPerTx
	if db.Dialect() == store.Postgres {
		lanes, perTx = pgLanes, pgEventsPerTx
	}
	d := &Dispatcher{db: db, process: process, metrics: m, log: log, now: now, sweepEvery: sweepEvery, lanes: lanes, perTx: perTx}
	d.wake = make([]chan struct{}, lanes)
	for i := range d.wake {
		d.wake[i] = make(chan struct{}, 1)
	}
	return d
}

// LockFirst sets what each batch locks before it applies its events.
// Call it before Start.
func (d *Dispatcher) LockFirst(lock LockFunc) { d.lock = lock }

// ApplyBatchFirst sets what applies a batch's events set-based before the
// rest go through process one by one. Call it before Start.
func (d *Dispatcher) ApplyBatchFirst(batch BatchFunc) { d.batch = batch }

// Wake tells the lanes of these partitions they have new events.
func (d *Dispatcher) Wake(partitions map[int]bool) {
	for p := range partitions {
		select {
		case d.wake[p%d.lanes] <- struct{}{}:
		default: // already woken
		}
	}
}

// Start runs one goroutine per lane; each first drains what is left from
// before (a crash, a restart).
func (d *Dispatcher) Start(ctx context.Context) {
	ctx, d.cancel = context.WithCancel(ctx)
	for lane := range d.lanes {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.run(ctx, lane)
		}()
	}
}

// Stop lets each partition finish its current transaction and returns.
// Unprocessed events stay stored and are processed at the next start.
func (d *Dispatcher) Stop() {
	if d.cancel != nil {
		d.cancel()
	}
	d.wg.Wait()
}

func (d *Dispatcher) run(ctx context.Context, lane int) {
	tick := time.NewTicker(d.sweepEvery)
	defer tick.Stop()
	for {
		d.drain(ctx, lane)
		select {
		case <-ctx.Done():
			return
		case <-d.wake[lane]:
		case <-tick.C:
		}
	}
}

// drain processes a lane until it is empty or ctx ends. A failed
// transaction (the database, not an event) is retried after a pause.
func (d *Dispatcher) drain(ctx context.Context, lane int) {
	for ctx.Err() == nil {
		n, err := d.ProcessBatch(context.WithoutCancel(ctx), lane)
		if err != nil {
			d.log.Error("processing events failed; retrying", "lane", lane, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		if n < d.perTx {
			return
		}
	}
}

// ProcessBatch applies up to perTx pending events of a lane's
// partitions in one transaction, in id order, and returns how many it took.
//
// It first applies the whole batch plainly. If an event fails with a named
// error (an unknown sender, a number that is not a phone number), that
// attempt is rolled back and the batch is applied again with a savepoint
// per event: the failing event is rolled back alone and marked processed
// with its error, so one bad event never blocks its lane and the error
// stays visible on the row. Any other error is returned, and the whole
// batch is retried later. Savepoints cost two round trips per event, so they
// are paid only when something failed.
func (d *Dispatcher) ProcessBatch(ctx context.Context, lane int) (int, error) {
	n, err := d.processBatch(ctx, lane, false)
	if errors.Is(err, errEventFailed) {
		n, err = d.processBatch(ctx, lane, true)
	}
	return n, err
}

// errEventFailed aborts a plain attempt so the batch is redone carefully.
var errEventFailed = errors.New("intake: an event failed")

func (d *Dispatcher) processBatch(ctx context.Context, lane int, careful bool) (int, error) {
	// On SQLite the batch is read and decoded before its transaction, from
	// the read pool, so the single writer everyone waits for does not
	// decode JSON, and an idle sweep does not take it at all. That is
	// safe because SQLite has one lane in one process: nothing else marks
	// events processed or deletes pending ones (an erasure refuses a
	// contact with pending events), so what was pending is still pending
	// when the transaction begins. The transaction checks it anyway
	// (stillPending, a lookup by id per event), so an event that another
	// hand processed or deleted in between (an operator's SQL, a second
	// process on the file) is never applied twice.
	var read []pendingEvent
	if d.db.Dialect() == store.SQLite {
		var err error
		if read, err = d.pendingEvents(ctx, d.db.Read(), lane); err != nil || len(read) == 0 {
			return 0, err
		}
	}
	var applied, failed int
	// Processing need not wait for its own disk flush (store.Relaxed): if a
	// power loss takes this commit, it takes its effects with it and the
	// events are still unprocessed, so they are applied again on restart.
	err := d.db.InTx(store.ForWork(store.Relaxed(ctx), store.WorkWebhooks), func(tx store.Tx) error {
		applied, failed = 0, 0
		if d.db.Dialect() == store.Postgres {
			// Two instances may both be woken for a lane; the lock makes them
			// take turns, and each takes the lowest pending ids, so a
			// conversation's events are never applied out of order.
			// Advisory locks are database-wide; keying them by schema keeps two
			// installations (or parallel test schemas) in one database apart.
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema()), ?)`, advisoryKey(lane)); err != nil {
				return err
			}
		}
		var events []pendingEvent
		var err error
		if read != nil {
			events, err = stillPending(ctx, tx, read)
		} else {
			events, err = d.pendingEvents(ctx, tx, lane)
		}
		if err != nil {
			return err
		}
		applied = len(events)
		// The decoded events, in order.
		evs := make([]whatsapp.Event, 0, len(events))
		signers := make([]int64, 0, len(events))
		for _, e := range events {
			if e.decodeErr == nil {
				evs, signers = append(evs, e.ev), append(signers, e.account)
			}
		}
		now := store.Millis(d.now())
		var done []any
		if careful {
			if done, failed, err = d.applyCarefully(ctx, tx, events, evs, now); err != nil {
				return err
			}
		} else {
			if len(evs) < len(events) {
				return errEventFailed // an undecodable one, for the careful attempt to mark
			}
			if err := d.applyInOrder(ctx, tx, signers, evs, true); err != nil {
				if _, own := apperr.As(err); own {
					return errEventFailed
				}
				return err
			}
			for _, e := range events {
				done = append(done, e.id)
			}
		}
		return markProcessed(ctx, tx, now, done)
	})
	if err != nil {
		return 0, err
	}
	d.metrics.EventsProcessed.WithLabelValues("ok").Add(float64(applied - failed))
	d.metrics.EventsProcessed.WithLabelValues("error").Add(float64(failed))
	// How many were taken, for drain: a batch that lost an event to
	// stillPending was still a full one.
	return max(applied, len(read)), nil
}

// markProcessed marks the events of these ids processed at now.
func markProcessed(ctx context.Context, tx store.Tx, now int64, ids []any) error {
	for _, size := range store.Chunks(len(ids)) {
		q := `UPDATE inbound_events SET processed_at = ?, attempts = attempts + 1 WHERE id IN (` + placeholders(size) + `)`
		if _, err := tx.Exec(ctx, q, append([]any{now}, ids[:size]...)...); err != nil {
			return err
		}
		ids = ids[size:]
	}
	return nil
}

// applyCarefully applies every event under its own savepoint, as plainly
// as it can, and marks each that fails for its own fault processed with
// its error. It returns the ids of those applied and how many failed.
func (d *Dispatcher) applyCarefully(ctx context.Context, tx store.Tx, events []pendingEvent, evs []whatsapp.Event, now int64) (done []any, failed int, err error) {
	if d.lock != nil {
		if err := d.lock(ctx, tx, evs); err != nil {
			return nil, 0, err
		}
	}
	for _, e := range events {
		perr := d.applyIsolated(ctx, tx, e)
		if perr == nil {
			done = append(done, e.id)
			continue
		}
		// Only a named domain error is the event's own fault. Anything
		// else (a deadlock, a lost connection) fails the transaction,
		// which is retried whole: marking the event done would lose it.
		ae, own := apperr.As(perr)
		if !own {
			return nil, 0, perr
		}
		failed++
		d.metrics.EventsDropped.WithLabelValues(ae.Code).Inc()
		d.log.Warn("event not applied", "event_id", e.id, "kind", e.kind, "account", e.account, "code", ae.Code, "err", perr)
		if _, err := tx.Exec(ctx, `UPDATE inbound_events SET processed_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?`,
			now, truncate(perr.Error(), 500), e.id); err != nil {
			return nil, 0, err
		}
	}
	return done, failed, nil
}

// applyInOrder applies decoded events (evs[i] signed by signers[i]) in
// tx, in order, as a lane's plain attempt does: the lock, the set-based
// batch (when batch is set), then process one by one for the rest. It
// stops at the first error, the event's own (a named apperr) or not, and
// returns it: the caller rolls back and marks nothing.
func (d *Dispatcher) applyInOrder(ctx context.Context, tx store.Tx, signers []int64, evs []whatsapp.Event, batch bool) error {
	if d.lock != nil {
		if err := d.lock(ctx, tx, evs); err != nil {
			return err
		}
	}
	var batched []bool
	if batch && d.batch != nil {
		var err error
		if batched, err = d.batch(ctx, tx, signers, evs); err != nil {
			return err
		}
	}
	for i, ev := range evs {
		if i < len(batched) && batched[i] {
			continue
		}
		if err := d.process(ctx, tx, signers[i], ev); err != nil {
			return err
		}
	}
	return nil
}

// processInOrder is applyInOrder without the set-based batch: every
// event through process, one by one. The writer calls it to apply events
// in the commit that stores them (Writer.ApplyWhenCaughtUp), where the
// batch cost more than it saved: in alternating bench-flows runs at a
// steady 1,750/s on SQLite, 1,287-1,314 flows/s with it, 1,685-1,705
// without. (Probably because there most statuses come before their send's
// outcome is recorded, as "sent" ones do, and the batch leaves each of
// those to process after its UPDATE found nothing.)
func (d *Dispatcher) processInOrder(ctx context.Context, tx store.Tx, signers []int64, evs []whatsapp.Event) error {
	return d.applyInOrder(ctx, tx, signers, evs, false)
}

// stillPending keeps, in order, the events of read that are still stored
// and unprocessed.
func stillPending(ctx context.Context, tx store.Tx, read []pendingEvent) ([]pendingEvent, error) {
	ids := make([]any, len(read))
	for i, e := range read {
		ids[i] = e.id
	}
	pending := make(map[int64]bool, len(read))
	for _, size := range store.Chunks(len(ids)) {
		got, err := store.QueryIDs(ctx, tx, `SELECT id FROM inbound_events WHERE processed_at = 0 AND id IN (`+placeholders(size)+`)`, ids[:size]...)
		if err != nil {
			return nil, err
		}
		for _, id := range got {
			pending[id] = true
		}
		ids = ids[size:]
	}
	if len(pending) == len(read) {
		return read, nil
	}
	kept := make([]pendingEvent, 0, len(pending))
	for _, e := range read {
		if pending[e.id] {
			kept = append(kept, e)
		}
	}
	return kept, nil
}

// apply applies one event (decoded as it was read).
func (d *Dispatcher) apply(ctx context.Context, tx store.Tx, e pendingEvent) error {
	if e.decodeErr != nil {
		return undecodable(e.decodeErr)
	}
	return d.process(ctx, tx, e.account, e.ev)
}

func undecodable(err error) error {
	return &apperr.Error{Kind: apperr.KindInvalid, Code: "undecodable_event", Message: "the stored event cannot be decoded", Err: err}
}

// applyIsolated applies one event under a savepoint, rolling back only it
// when it fails.
func (d *Dispatcher) applyIsolated(ctx context.Context, tx store.Tx, e pendingEvent) error {
	if _, err := tx.Exec(ctx, `SAVEPOINT event`); err != nil {
		return err
	}
	if perr := d.apply(ctx, tx, e); perr != nil {
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT event`); err != nil {
			return err
		}
		_, _ = tx.Exec(ctx, `RELEASE SAVEPOINT event`)
		return perr
	}
	_, err := tx.Exec(ctx, `RELEASE SAVEPOINT event`)
	return err
}

type pendingEvent struct {
	id      int64
	account int64 // the signer
	kind    string
	// ev is the decoded payload, or decodeErr why it is not.
	ev        whatsapp.Event
	decodeErr error
}

// The reads of pending events: a PostgreSQL lane's (through the partial
// index inbound_events_pending, by partition) and SQLite's single lane's
// (through inbound_events_pending_all); each dialect has only its own.
// A lane reads its two partitions as two ordered scans merged, each
// stopping at the limit: with "partition IN (?, ?)" PostgreSQL read every
// pending event of both, payloads and all, and sorted them, so the read
// grew with the backlog (1,700 pages a read in bench-flows).
const (
	pendingLaneQuery = `(SELECT id, account_id, kind, payload FROM inbound_events WHERE partition = ? AND processed_at = 0 ORDER BY id LIMIT ?)
		UNION ALL (SELECT id, account_id, kind, payload FROM inbound_events WHERE partition = ? AND processed_at = 0 ORDER BY id LIMIT ?)
		ORDER BY id LIMIT ?`
	pendingAllQuery = `SELECT id, account_id, kind, payload FROM inbound_events WHERE processed_at = 0 ORDER BY id LIMIT ?`
	pendingCount    = `SELECT COUNT(*) FROM inbound_events WHERE processed_at = 0`
)

func (d *Dispatcher) pendingEvents(ctx context.Context, q store.Querier, lane int) ([]pendingEvent, error) {
	if d.lanes == 1 {
		return readPending(ctx, q, pendingAllQuery, d.perTx)
	}
	return readPending(ctx, q, pendingLaneQuery, lane, d.perTx, lane+pgLanes, d.perTx, d.perTx)
}

// readPending reads and decodes the pending events query returns.
func readPending(ctx context.Context, q store.Querier, query string, args ...any) ([]pendingEvent, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pendingEvent
	for rows.Next() {
		var e pendingEvent
		var payload string
		if err := rows.Scan(&e.id, &e.account, &e.kind, &payload); err != nil {
			return nil, err
		}
		e.decodeErr = json.Unmarshal([]byte(payload), &e.ev)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Pending counts unprocessed events (for /metrics and tests).
func Pending(ctx context.Context, q store.Querier) (int, error) {
	var n int
	err := q.QueryRow(ctx, pendingCount).Scan(&n)
	return n, err
}

// advisoryKey namespaces our advisory locks within the schema (the number
// spells "ZF").
func advisoryKey(lane int) int32 { return 0x5A46_0000 + int32(lane) }

func placeholders(n int) string {
	b := make([]byte, 0, n*3)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Each PostgreSQL lane owns partitions lane and lane+pgLanes.
var _ = [1]struct{}{}[Partitions-2*pgLanes]
