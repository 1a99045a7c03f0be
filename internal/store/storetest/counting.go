package storetest

import (
	"context"
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
