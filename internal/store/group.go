package store

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
)

// Group commits the small write transactions of concurrent requests
// together, the way webhook intake does (intake.Writer): a request's
// function waits in a queue, a committing goroutine runs every function
// waiting (up to MaxBatch) in one transaction, and each caller is
// answered once that transaction is durable. On SQLite, whose writes all
// queue for one connection, N concurrent API writes then take it once
// instead of N times (and wait for one log flush, walsync.go); on
// PostgreSQL they save a commit round trip each. A lone request is run at once: nothing waits
// for company.
//
// A function that fails rolls the whole transaction back (not a savepoint:
// the failed function's AfterCommit hooks and buffered rows go with it,
// and SQLite's FTS tables are not savepoint-safe) and the others run again
// in a new one. Functions must therefore be pure database work whose
// effects outside the database happen only in AfterCommit hooks: one may
// run more than once, and only one of its runs commits.
type Group struct {
	db       DB
	in       chan *groupReq
	maxBatch int
	wg       sync.WaitGroup

	// mu guards closed: Do sends under the read lock, Close closes the
	// channel under the write lock, so nothing is sent on a closed channel.
	mu     sync.RWMutex
	closed bool
}

// GroupOptions bounds a Group; zero fields take the defaults.
type GroupOptions struct {
	// MaxBatch is the most functions one transaction runs (64): a burst
	// does not hold the SQLite writer for long, and a failure reruns at
	// most that many.
	MaxBatch int
	// Queue is how many requests may wait for a transaction (1024); past
	// it Do waits (until its context ends), which pushes back on callers.
	Queue int
	// Workers is the number of committing goroutines: 1 on SQLite, whose
	// writes are serial anyway; 4 on PostgreSQL, which commits in parallel.
	Workers int
}

// ErrGroupClosed is returned by Do after Close.
var ErrGroupClosed = errors.New("store: group closed")

// NewGroup starts a Group writing to db. Close it before closing db.
func NewGroup(db DB, opt GroupOptions) *Group {
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 64
	}
	if opt.Queue <= 0 {
		opt.Queue = 1024
	}
	if opt.Workers <= 0 {
		opt.Workers = 1
		if db.Dialect() == Postgres {
			opt.Workers = 4
		}
	}
	g := &Group{db: db, in: make(chan *groupReq, opt.Queue), maxBatch: opt.MaxBatch}
	for range opt.Workers {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			g.loop()
		}()
	}
	return g
}

// The life of a request: queued until a committing goroutine takes it
// (running) or its caller gives up first (dropped).
const (
	reqQueued int32 = iota
	reqRunning
	reqDropped
)

type groupReq struct {
	ctx   context.Context // the caller's values, without its cancellation
	fn    func(context.Context, Tx) error
	state atomic.Int32
	done  chan groupDone
}

type groupDone struct {
	err      error
	panicked *groupPanic
}

// groupPanic is a function's panic, raised again in its caller's goroutine
// (where the HTTP server's recoverer sees it) with the stack it had.
type groupPanic struct {
	value any
	stack []byte
}

func (p *groupPanic) String() string { return fmt.Sprintf("%v\n\n%s", p.value, p.stack) }

// Do runs fn in a durable write transaction, possibly shared with other
// callers' functions, and returns fn's own error once that transaction
// committed (or fn failed). fn gets ctx's values but not its
// cancellation: a caller who gives up before its fn started is dropped
// (Do returns ctx's error and fn never runs), while one whose fn is under
// way waits for its result, so a transaction is never broken by one
// caller leaving. The transaction is never Relaxed, whatever ctx says.
//
// fn may run more than once (see Group) and must not call Do itself, nor
// may its AfterCommit hooks: they run on the committing goroutine.
func (g *Group) Do(ctx context.Context, fn func(context.Context, Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &groupReq{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan groupDone, 1)}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return ErrGroupClosed
	}
	select {
	case g.in <- r:
		g.mu.RUnlock()
	case <-ctx.Done():
		g.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case d := <-r.done:
		return d.result()
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqDropped) {
			return ctx.Err()
		}
		return (<-r.done).result()
	}
}

// Queued counts the requests waiting for a transaction (a test holds one
// transaction open until a batch has formed behind it).
func (g *Group) Queued() int { return len(g.in) }

func (d groupDone) result() error {
	if d.panicked != nil {
		panic(d.panicked.String())
	}
	return d.err
}

// Close stops taking requests once everything queued so far is answered.
// Call it after the callers (the HTTP server) stopped.
func (g *Group) Close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.in)
	}
	g.mu.Unlock()
	g.wg.Wait()
}

func (g *Group) loop() {
	for first := range g.in {
		batch := take(nil, first)
	gather:
		for len(batch) < g.maxBatch {
			select {
			case r, ok := <-g.in:
				if !ok {
					break gather
				}
				batch = take(batch, r)
			default:
				break gather
			}
		}
		if len(batch) > 0 {
			g.commit(batch)
		}
	}
}

// take adds r to batch unless its caller already gave up.
func take(batch []*groupReq, r *groupReq) []*groupReq {
	if r.state.CompareAndSwap(reqQueued, reqRunning) {
		batch = append(batch, r)
	}
	return batch
}

// errFnFailed rolls back a group transaction in which one function failed.
var errFnFailed = errors.New("store: a grouped function failed")

// commit runs batch in one transaction. A failed function gets its error
// and the rest run again without it. When the transaction itself fails
// (begin, a BeforeCommit hook, the commit), nobody's function is to blame
// and nothing committed: everyone gets that error, as each would have
// alone. The context is not the callers': a commit under way finishes
// even when one gave up.
func (g *Group) commit(batch []*groupReq) {
	for len(batch) > 0 {
		failed := -1
		var ferr error
		var fpanic *groupPanic
		err := g.db.InTx(context.Background(), func(tx Tx) error {
			for i, r := range batch {
				if p, err := r.run(tx); err != nil || p != nil {
					failed, ferr, fpanic = i, err, p
					return errFnFailed
				}
			}
			return nil
		})
		switch {
		case err == nil:
			for _, r := range batch {
				r.done <- groupDone{}
			}
			return
		case failed < 0:
			for _, r := range batch {
				r.done <- groupDone{err: err}
			}
			return
		case len(batch) > 1 && fpanic == nil && lockConflict(ferr):
			// A lock cycle with another committer's batch (PostgreSQL
			// picks a victim) is not this function's fault, and rerunning
			// the batch could meet it again: each runs alone, as it
			// would have without grouping.
			g.alone(batch)
			return
		default:
			batch[failed].done <- groupDone{err: ferr, panicked: fpanic}
			batch = slices.Delete(batch, failed, failed+1)
		}
	}
}

// alone runs each request in a transaction of its own.
func (g *Group) alone(batch []*groupReq) {
	for _, r := range batch {
		var p *groupPanic
		err := g.db.InTx(context.Background(), func(tx Tx) error {
			panicked, err := r.run(tx)
			if panicked != nil {
				p = panicked
				return errFnFailed
			}
			return err
		})
		if p != nil {
			err = nil
		}
		r.done <- groupDone{err: err, panicked: p}
	}
}

// run calls r's function, catching a panic so that it fails only its own
// caller rather than the committing goroutine (and every caller with it).
func (r *groupReq) run(tx Tx) (p *groupPanic, err error) {
	defer func() {
		if v := recover(); v != nil {
			p = &groupPanic{value: v, stack: debug.Stack()}
		}
	}()
	return nil, r.fn(r.ctx, tx)
}

// lockConflict reports PostgreSQL's deadlock and serialization failures,
// which roll back a transaction through no fault of its statements.
func lockConflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// GroupDo runs fn through g, or, when g is nil (tests, tools that build a
// service without one), in a transaction of its own on db.
func GroupDo(ctx context.Context, g *Group, db DB, fn func(context.Context, Tx) error) error {
	if g != nil {
		return g.Do(ctx, fn)
	}
	return db.InTx(ctx, func(tx Tx) error { return fn(ctx, tx) })
}
