package intake

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Partitions is the number of ordered processing lanes. It is part of the
// stored data (inbound_events.partition): changing it only affects events
// stored afterwards, so drain the queue before changing it.
const Partitions = 16

// maxRowsPerCommit bounds one group commit so a burst cannot hold the
// SQLite writer for long.
const maxRowsPerCommit = 2000

// maxQueuedBytes bounds the payload bytes waiting for a commit. Each HTTP
// request waits for its own commit, so the queue is otherwise bounded only
// by how many requests arrive at once, each up to MaxBody: a flood of
// large webhooks while the disk is slow could hold gigabytes. Past the
// bound, Submit waits (until its request's context ends: Meta then retries),
// which also pushes back on the senders.
const maxQueuedBytes = 64 << 20

// Row is one event ready to store.
type Row struct {
	AccountID int64
	DedupeKey string
	Kind      string
	Partition int
	Payload   []byte
	Received  int64
	event     whatsapp.Event // decoded, for ApplyOnStore
	refused   error          // its own fault, found before storing (Writer.Refuse)
}

// NewRow prepares ev for storage.
func NewRow(accountID int64, ev whatsapp.Event, payload []byte, received int64) Row {
	return Row{AccountID: accountID, DedupeKey: ev.DedupeKey(), Kind: string(ev.Kind), Partition: PartitionOf(ev),
		Payload: payload, Received: received, event: ev}
}

// PartitionOf maps an event to its lane. Events about one customer always
// share one, whichever of our numbers they came through: a conversation is
// (sender × customer), so its order is kept, and two lanes never update the
// same contact at once (on PostgreSQL that could deadlock). Account-level
// events share their WABA's lane.
func PartitionOf(ev whatsapp.Event) int {
	h := fnv.New32a()
	if waid := ev.CustomerWAID(); waid != "" {
		h.Write([]byte(waid))
	} else {
		h.Write([]byte(ev.WABAID))
	}
	return int(h.Sum32() % Partitions)
}

// Result says what a submitted request's rows became.
type Result struct {
	Stored     int
	Duplicates int
}

type request struct {
	rows   []Row
	weight int64 // payload bytes held against maxQueuedBytes
	done   chan requestDone
}

type requestDone struct {
	res Result
	err error
}

// Writer stores events with group commit.
type Writer struct {
	db      store.DB
	in      chan *request
	wake    func(partitions map[int]bool)
	metrics *metrics.Metrics
	log     *slog.Logger
	workers int
	queued  *semaphore.Weighted // payload bytes submitted, not yet committed

	// mu guards closed: Submit sends under the read lock, Close closes the
	// channel under the write lock, so nothing is sent on a closed channel.
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup

	onStore onStore // zero: every event is stored pending
	// stalledAt is, after ApplyWhenCaughtUp's apply failed, the oldest
	// pending event then; 0: not stalled.
	stalledAt atomic.Int64
	// refuse, when set, names the events processing would refuse for
	// their own fault whatever the database holds (Refuse).
	refuse func(whatsapp.Event) error
}

// onStore is what ApplyOnStore or ApplyWhenCaughtUp set.
type onStore struct {
	pick  func(whatsapp.Event) bool
	lock  LockFunc
	apply BatchFunc
	// catchUp, when set: first apply the pending events, up to
	// maxRowsPerCommit with the commit's own, and apply these only once
	// none is left (ApplyWhenCaughtUp).
	catchUp func(ctx context.Context, tx store.Tx, limit int) (applied int, caughtUp bool, err error)
}

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("intake: writer closed")

// NewWriter builds a Writer; wake is told which partitions got new events
// after each commit. PostgreSQL takes commits in parallel, so it gets
// several committing goroutines; SQLite has one writer and gets one.
func NewWriter(db store.DB, wake func(map[int]bool), m *metrics.Metrics, log *slog.Logger) *Writer {
	workers := 1
	if db.Dialect() == store.Postgres {
		workers = 4
	}
	return &Writer{db: db, in: make(chan *request, 4096), wake: wake, metrics: m, log: log, workers: workers,
		queued: semaphore.NewWeighted(maxQueuedBytes)}
}

// ApplyOnStore makes each commit apply, in its own transaction, the new
// events pick chooses: lock, then apply (messaging.Service's
// LockStatusTargets and ApplyStatusBatch, with BatchableStatus as pick:
// the plain delivery statuses, three of every four events a busy number
// receives). They are stored already processed, so no lane reads them
// again, marks them (on PostgreSQL a new version of the row, through its
// indexes) or commits them a second time; what apply leaves is stored
// pending as before, for a lane to hand to Process in order. (A status
// that comes before its send's outcome is recorded, as most "sent" ones
// do, finds no message yet: it is inserted processed and marked pending
// again in the same transaction.)
//
// An event applied here may overtake an older one of its partition that
// is still pending. That is safe only for events whose effects commute
// with everything else a lane applies, which is why pick must choose no
// more than apply's own rules allow: a plain status only raises a
// message's status by rank (failed ranks highest) and sets each
// timestamp once. A failing apply (a deadlock on PostgreSQL) does not
// fail the webhooks: the commit is redone storing every event pending.
// Call it before Start.
func (w *Writer) ApplyOnStore(pick func(whatsapp.Event) bool, lock LockFunc, apply BatchFunc) {
	w.onStore = onStore{pick: pick, lock: lock, apply: apply}
}

// ApplyWhenCaughtUp makes each commit apply every new event it stores,
// in the same transaction, as lane would (Dispatcher.processInOrder).
// Events stored before and still pending come first: lane's catchUp
// applies them, up to maxRowsPerCommit with the new ones, and while any
// is left the new ones are stored pending as always.
// For SQLite: its single lane otherwise reads each event back, marks it
// and commits a second time, all on the one writer connection. A commit
// then holds that connection longer than a lane's step (at 1,750 flows/s
// up to a thousand events, about 150 ms), but it does less in all. In
// alternating bench-flows runs at a steady 1,750/s: 1,237-1,568 flows/s
// with trigger-to-send p99 2-7 s (the backlog grew) became 1,487-1,728/s,
// p99 294-502 ms.
//
// Order per conversation holds because SQLite has one writer: the commit
// applies the oldest pending events, and its own only when none is left,
// in id order, as a lane would. An event that fails, for its own fault or
// not, fails nothing else: the commit is redone storing every new event
// pending, and until a lane has moved past the oldest pending event (its
// careful attempt marks a failing one), commits apply nothing, so one bad
// event is not tried again by every commit. Not for PostgreSQL, where
// lanes of other instances commit at the same time. Call it before
// Start, instead of ApplyOnStore.
func (w *Writer) ApplyWhenCaughtUp(lane *Dispatcher) {
	all := func(whatsapp.Event) bool { return true }
	w.onStore = onStore{pick: all, catchUp: lane.catchUp, apply: func(ctx context.Context, tx store.Tx, signers []int64, evs []whatsapp.Event) ([]bool, error) {
		if err := lane.processInOrder(ctx, tx, signers, evs); err != nil {
			return nil, err
		}
		done := make([]bool, len(evs))
		for i := range done {
			done[i] = true
		}
		return done, nil
	}}
}

// Refuse makes the writer ask refuse, before storing, whether processing
// will refuse an event for its own fault whatever the database holds
// (messaging.Refused: a message or marketing preference from a WhatsApp
// username, a wa_id that is no phone number). Such an event is stored already processed, with its
// error, as a lane's careful attempt would leave it. Otherwise it would
// fail the apply of the commit that stores it (ApplyWhenCaughtUp, SQLite),
// which is then redone with every event pending and applies nothing more
// until a lane has marked it, or fail a lane's batch (PostgreSQL), which
// is then redone with a savepoint per event: the cost of a rare fault,
// paid by every event of a busy install once usernames are common. The
// check runs in Submit, on the request's goroutine, not on the writer's.
// Call it before Start.
func (w *Writer) Refuse(refuse func(whatsapp.Event) error) {
	w.refuse = refuse
}

// Start runs the committing goroutines until Close.
func (w *Writer) Start() {
	for range w.workers {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.loop()
		}()
	}
}

// Close stops accepting requests after everything submitted so far is
// committed. Call it after the HTTP server stopped handing in requests.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.in)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// Submit stores rows and returns once they are committed (or failed). If
// ctx ends first it returns ctx's error, but the rows may still commit: the
// sender then retries and the dedupe keys make that harmless.
func (w *Writer) Submit(ctx context.Context, rows []Row) (Result, error) {
	req := &request{rows: rows, done: make(chan requestDone, 1)}
	for i, r := range rows {
		req.weight += int64(len(r.Payload) + len(r.DedupeKey))
		if w.refuse != nil {
			rows[i].refused = w.refuse(r.event)
		}
	}
	req.weight = min(max(req.weight, 1), maxQueuedBytes)
	if err := w.queued.Acquire(ctx, req.weight); err != nil {
		return Result{}, err
	}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		w.queued.Release(req.weight)
		return Result{}, ErrClosed
	}
	select {
	case w.in <- req:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		w.queued.Release(req.weight)
		return Result{}, ctx.Err()
	}
	select {
	case d := <-req.done:
		return d.res, d.err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

func (w *Writer) loop() {
	for first := range w.in {
		batch := []*request{first}
		n := len(first.rows)
	gather:
		for n < maxRowsPerCommit {
			select {
			case r, ok := <-w.in:
				if !ok {
					break gather
				}
				batch = append(batch, r)
				n += len(r.rows)
			default:
				break gather
			}
		}
		w.commit(batch)
	}
}

// commit stores a group of requests in one transaction. The context is not
// the requests': a commit under way finishes even when a caller gave up.
// It is urgent (store.Urgent): each request's HTTP response, which Meta
// holds a connection open for, waits on it.
func (w *Writer) commit(batch []*request) {
	ctx := store.ForWork(store.Urgent(context.Background()), store.WorkWebhooks)
	var all []Row
	for _, r := range batch {
		all = append(all, r.rows...)
	}
	// One key order for every commit: concurrent PostgreSQL committers then
	// take the unique index's locks in the same order and cannot deadlock.
	slices.SortFunc(all, func(a, b Row) int {
		if c := cmp.Compare(a.AccountID, b.AccountID); c != 0 {
			return c
		}
		return strings.Compare(a.DedupeKey, b.DedupeKey)
	})
	st := &storeResult{inserted: map[string]bool{}, partitions: map[int]bool{}}
	err := w.db.InTx(ctx, func(tx store.Tx) error { return w.store(ctx, tx, all, w.onStore.apply != nil, st) })
	if errors.Is(err, errApplyOnStore) {
		// An event's own fault (a number no account has) is the lane's to
		// report, with the event; anything else is worth a warning here.
		level := slog.LevelWarn
		if _, own := apperr.As(err); own {
			level = slog.LevelInfo
		}
		w.log.Log(ctx, level, "applying events as they were stored failed; storing them pending", "events", len(all), "err", err)
		err = w.db.InTx(ctx, func(tx store.Tx) error {
			if err := w.store(ctx, tx, all, false, st); err != nil || w.onStore.catchUp == nil {
				return err
			}
			head, err := oldestPending(ctx, tx)
			w.stalledAt.Store(head)
			return err
		})
	}
	if err != nil {
		w.log.Error("intake commit failed", "requests", len(batch), "events", len(all), "err", err)
	} else {
		w.metrics.CommitBatchSize.Observe(float64(len(batch)))
		w.metrics.EventsProcessed.WithLabelValues("ok").Add(float64(st.applied))
		w.reportRefused(ctx, st.refused)
		if len(st.partitions) > 0 {
			w.wake(st.partitions)
		}
	}
	var stored, duplicates int
	for _, r := range batch {
		var res Result
		if err == nil {
			for _, row := range r.rows {
				// A key inserted by this commit counts once, for the first
				// row that carried it; a repeat in the same batch is a duplicate.
				k := rowKey(row.AccountID, row.DedupeKey)
				if st.inserted[k] {
					res.Stored++
					w.metrics.EventsStored.WithLabelValues(row.Kind).Inc()
					delete(st.inserted, k)
				} else {
					res.Duplicates++
					w.metrics.EventsDuplicate.Inc()
				}
			}
		}
		stored += res.Stored
		duplicates += res.Duplicates
		// Bytes go back before the answer, so a request that has its
		// answer no longer counts against the bound.
		w.queued.Release(r.weight)
		r.done <- requestDone{res: res, err: err}
	}
	if err == nil {
		// One line per group commit (not per event): what was received,
		// readable next to the job queue's housekeeping.
		w.log.Info("received webhook batch", "requests", len(batch), "events", len(all), "stored", stored, "duplicates", duplicates,
			"applied", st.applied)
	}
}

// storeResult is what a commit's transaction did.
type storeResult struct {
	inserted   map[string]bool // rowKey of each event it inserted
	partitions map[int]bool    // those with new pending events
	applied    int             // events applied as stored (ApplyOnStore)
	refused    []refusedRow    // events stored processed with their own fault (Refuse)
}

// refusedRow is an event Refuse stored processed, with its error.
type refusedRow struct {
	id, account int64
	err         error
}

// errApplyOnStore marks a failure of ApplyOnStore's functions: the
// commit is redone without them.
var errApplyOnStore = errors.New("intake: applying events as they are stored")

// store inserts all (sorted, so duplicates are neighbours) and, when
// applying, applies the new events ApplyOnStore picks. Those are
// inserted already processed; the ones its apply leaves are then marked
// pending, like the rest.
func (w *Writer) store(ctx context.Context, tx store.Tx, all []Row, applying bool, st *storeResult) error {
	clear(st.inserted)
	clear(st.partitions)
	st.applied, st.refused = 0, st.refused[:0]
	if applying && w.onStore.catchUp != nil {
		var err error
		if applying, err = w.caughtUp(ctx, tx, len(all), st); err != nil {
			return err
		}
	}
	var picked []pickedRow
	pickedAt := map[string]int{}  // rowKey → index in all of the first row picked with it
	refused := map[string]error{} // rowKey → the error of a refused row
	start := 0
	for _, size := range store.Chunks(len(all)) {
		chunk := all[start : start+size]
		args := make([]any, 0, len(chunk)*9)
		for i, r := range chunk {
			var processed, attempts int64 // pending, never tried
			lastError := ""
			if r.refused != nil {
				// Stored as a lane's careful attempt would mark it.
				processed, attempts, lastError = max(r.Received, 1), 1, truncate(r.refused.Error(), 500)
				refused[rowKey(r.AccountID, r.DedupeKey)] = r.refused
			} else if applying && w.onStore.pick(r.event) {
				processed, attempts = max(r.Received, 1), 1
				k := rowKey(r.AccountID, r.DedupeKey)
				if _, seen := pickedAt[k]; !seen {
					pickedAt[k] = start + i
				}
			}
			args = append(args, r.AccountID, r.DedupeKey, r.Kind, r.Partition, string(r.Payload), r.Received, processed, attempts, lastError)
		}
		rows, err := tx.Query(ctx, `INSERT INTO inbound_events (account_id, dedupe_key, kind, partition, payload, received_at, processed_at, attempts, last_error)
			VALUES `+store.Placeholders(len(chunk), 9)+`
			ON CONFLICT (account_id, dedupe_key) DO NOTHING RETURNING id, account_id, dedupe_key, partition, processed_at`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p pickedRow
			var acc, processed int64
			var key string
			if err := rows.Scan(&p.id, &acc, &key, &p.partition, &processed); err != nil {
				rows.Close()
				return err
			}
			st.inserted[rowKey(acc, key)] = true
			if processed == 0 {
				st.partitions[p.partition] = true
				continue
			}
			if err := refused[rowKey(acc, key)]; err != nil {
				st.refused = append(st.refused, refusedRow{id: p.id, account: acc, err: err})
				continue
			}
			p.row = pickedAt[rowKey(acc, key)] // the first row with the key is the one inserted
			picked = append(picked, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		start += size
	}
	if len(picked) == 0 {
		return nil
	}
	return w.applyPicked(ctx, tx, all, picked, st)
}

// reportRefused reports the events a commit stored with their own fault,
// as a lane reports those its careful attempt marks.
func (w *Writer) reportRefused(ctx context.Context, refused []refusedRow) {
	for _, r := range refused {
		code := "invalid"
		if ae, ok := apperr.As(r.err); ok {
			code = ae.Code
		}
		w.metrics.EventsDropped.WithLabelValues(code).Inc()
		w.log.WarnContext(ctx, "event not applied", "event_id", r.id, "account", r.account, "code", code, "err", r.err)
	}
	w.metrics.EventsProcessed.WithLabelValues("error").Add(float64(len(refused)))
}

// caughtUp reports whether a commit of n events may apply them as it
// stores them (ApplyWhenCaughtUp): not stalled, and none pending once
// catchUp applied what it could (counted in st.applied).
func (w *Writer) caughtUp(ctx context.Context, tx store.Tx, n int, st *storeResult) (bool, error) {
	if at := w.stalledAt.Load(); at != 0 {
		head, err := oldestPending(ctx, tx)
		if err != nil || head == at {
			return false, err // a lane has not moved past it yet
		}
		w.stalledAt.Store(0)
	}
	applied, caughtUp, err := w.onStore.catchUp(ctx, tx, max(maxRowsPerCommit-n, 1))
	if err != nil {
		return false, fmt.Errorf("%w: %w", errApplyOnStore, err)
	}
	st.applied = applied
	return caughtUp, nil
}

// oldestPending is the id of the oldest pending event, 0 if none.
func oldestPending(ctx context.Context, q store.Querier) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT COALESCE(MIN(id), 0) FROM inbound_events WHERE processed_at = 0`).Scan(&id)
	return id, err
}

// pickedRow is an event inserted as processed.
type pickedRow struct {
	id        int64
	partition int
	row       int // its index in the commit's rows
}

// applyPicked applies the picked events and marks pending again those the
// apply function left.
func (w *Writer) applyPicked(ctx context.Context, tx store.Tx, all []Row, picked []pickedRow, st *storeResult) error {
	// In id order, the order a lane would apply them in.
	slices.SortFunc(picked, func(a, b pickedRow) int { return cmp.Compare(a.id, b.id) })
	evs := make([]whatsapp.Event, len(picked))
	signers := make([]int64, len(picked))
	for i, p := range picked {
		evs[i], signers[i] = all[p.row].event, all[p.row].AccountID
	}
	if w.onStore.lock != nil {
		if err := w.onStore.lock(ctx, tx, evs); err != nil {
			return fmt.Errorf("%w: %w", errApplyOnStore, err)
		}
	}
	done, err := w.onStore.apply(ctx, tx, signers, evs)
	if err != nil {
		return fmt.Errorf("%w: %w", errApplyOnStore, err)
	}
	var left []any
	for i, p := range picked {
		if i < len(done) && done[i] {
			st.applied++
			continue
		}
		left = append(left, p.id)
		st.partitions[p.partition] = true
	}
	for _, n := range store.Chunks(len(left)) {
		if _, err := tx.Exec(ctx, `UPDATE inbound_events SET processed_at = 0, attempts = 0 WHERE id IN (`+store.List(n)+`)`, left[:n]...); err != nil {
			return fmt.Errorf("%w: %w", errApplyOnStore, err)
		}
		left = left[n:]
	}
	return nil
}

func rowKey(account int64, key string) string {
	var b strings.Builder
	b.Grow(len(key) + 12)
	b.WriteString(key)
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(account, 10))
	return b.String()
}
