package storetest

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
)

// CountingDB is a store.DB that counts its write transactions, for tests
// of work that should share them (group commit).
type CountingDB struct {
	store.DB
	txs atomic.Int64
}

// Counting wraps db.
func Counting(db store.DB) *CountingDB { return &CountingDB{DB: db} }

// InTx counts the transaction and runs it on the wrapped database.
func (c *CountingDB) InTx(ctx context.Context, fn func(store.Tx) error) error {
	c.txs.Add(1)
	return c.DB.InTx(ctx, fn)
}

// Txs is how many transactions began so far.
func (c *CountingDB) Txs() int64 { return c.txs.Load() }

// RecordingTx is a store.Tx that records the statements run through it,
// so a test can see what a piece of work asks of the database.
type RecordingTx struct {
	store.Tx
	Stmts []string // in order, whitespace as written
}

// Unwrap returns the transaction it records, so the store finds that
// transaction's state (store.TxValue) through it.
func (c *RecordingTx) Unwrap() store.Tx { return c.Tx }

// Exec records q and runs it.
func (c *RecordingTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	c.Stmts = append(c.Stmts, q)
	return c.Tx.Exec(ctx, q, args...)
}

// Query records q and runs it.
func (c *RecordingTx) Query(ctx context.Context, q string, args ...any) (store.Rows, error) {
	c.Stmts = append(c.Stmts, q)
	return c.Tx.Query(ctx, q, args...)
}

// QueryRow records q and runs it.
func (c *RecordingTx) QueryRow(ctx context.Context, q string, args ...any) store.Row {
	c.Stmts = append(c.Stmts, q)
	return c.Tx.QueryRow(ctx, q, args...)
}

// RecordingDB is a store.DB whose transactions record their statements
// (RecordingTx), for tests of work that runs its own transactions.
type RecordingDB struct {
	store.DB
	mu    sync.Mutex
	stmts []string
}

// Recording wraps db.
func Recording(db store.DB) *RecordingDB { return &RecordingDB{DB: db} }

// InTx runs fn on the wrapped database, recording its statements and
// those of the hooks it leaves for the commit (BeforeCommit).
func (r *RecordingDB) InTx(ctx context.Context, fn func(store.Tx) error) error {
	var rec *RecordingTx
	err := r.DB.InTx(ctx, func(tx store.Tx) error {
		rec = &RecordingTx{Tx: tx}
		return fn(rec)
	})
	if rec != nil {
		r.mu.Lock()
		r.stmts = append(r.stmts, rec.Stmts...)
		r.mu.Unlock()
	}
	return err
}

// Take returns the statements recorded so far, whitespace collapsed, and
// forgets them.
func (r *RecordingDB) Take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.stmts))
	for i, q := range r.stmts {
		out[i] = strings.Join(strings.Fields(q), " ")
	}
	r.stmts = nil
	return out
}

// HoldGroup runs fn in g's committing goroutine and keeps it there, so
// the next calls to g.Do queue behind it and commit together. release
// lets it finish and fails the test if its transaction did.
func HoldGroup(tb testing.TB, g *store.Group, fn func(context.Context, store.Tx) error) (release func()) {
	tb.Helper()
	running, unblock := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- g.Do(context.Background(), func(ctx context.Context, tx store.Tx) error {
			close(running)
			<-unblock
			return fn(ctx, tx)
		})
	}()
	<-running
	return func() {
		tb.Helper()
		close(unblock)
		require.NoError(tb, <-done)
	}
}
