package intake

import (
	"cmp"
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/semaphore"

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
}

// NewRow prepares ev for storage.
func NewRow(accountID int64, ev whatsapp.Event, payload []byte, received int64) Row {
	return Row{AccountID: accountID, DedupeKey: ev.DedupeKey(), Kind: string(ev.Kind), Partition: PartitionOf(ev),
		Payload: payload, Received: received}
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
	for _, r := range rows {
		req.weight += int64(len(r.Payload) + len(r.DedupeKey))
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
	ctx := store.Urgent(context.Background())
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
	inserted := map[string]bool{}
	partitions := map[int]bool{}
	err := w.db.InTx(ctx, func(tx store.Tx) error {
		clear(inserted)
		clear(partitions)
		start := 0
		for _, size := range store.Chunks(len(all)) {
			chunk := all[start : start+size]
			start += size
			args := make([]any, 0, len(chunk)*6)
			for _, r := range chunk {
				args = append(args, r.AccountID, r.DedupeKey, r.Kind, r.Partition, string(r.Payload), r.Received)
			}
			rows, err := tx.Query(ctx, `INSERT INTO inbound_events (account_id, dedupe_key, kind, partition, payload, received_at)
				VALUES `+store.Placeholders(len(chunk), 6)+`
				ON CONFLICT (account_id, dedupe_key) DO NOTHING RETURNING account_id, dedupe_key, partition`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var acc int64
				var key string
				var p int
				if err := rows.Scan(&acc, &key, &p); err != nil {
					rows.Close()
					return err
				}
				inserted[rowKey(acc, key)] = true
				partitions[p] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.log.Error("intake commit failed", "requests", len(batch), "events", len(all), "err", err)
	} else {
		w.metrics.CommitBatchSize.Observe(float64(len(batch)))
		if len(partitions) > 0 {
			w.wake(partitions)
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
				if inserted[k] {
					res.Stored++
					w.metrics.EventsStored.WithLabelValues(row.Kind).Inc()
					delete(inserted, k)
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
		w.log.Info("received webhook batch", "requests", len(batch), "events", len(all), "stored", stored, "duplicates", duplicates)
	}
}

func rowKey(account int64, key string) string {
	var b strings.Builder
	b.Grow(len(key) + 12)
	b.WriteString(key)
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(account, 10))
	return b.String()
}
