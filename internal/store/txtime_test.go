package store_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// ObserveTx reports every write transaction, committed or rolled back,
// on both dialects, and only after it is set.
func TestObserveTx(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		require.NoError(t, db.InTx(ctx, func(store.Tx) error { return nil }))
		var n atomic.Int32
		var total atomic.Int64
		store.ObserveTx(db, func(d time.Duration) {
			n.Add(1)
			total.Add(int64(d))
		})
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `SELECT 1`)
			return err
		}))
		require.Error(t, db.InTx(ctx, func(store.Tx) error { return errors.New("roll back") }))
		require.Equal(t, int32(2), n.Load())
		require.Positive(t, total.Load())
	})
}

// WriterBusy counts SQLite's writer while a transaction holds it, under
// the transaction's work, and nothing while it is free; PostgreSQL has no
// single writer to count.
func TestWriterBusy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		busy, ok := store.WriterBusy(db)
		if db.Dialect() == store.Postgres {
			require.False(t, ok)
			return
		}
		require.True(t, ok)
		var inside time.Duration
		require.NoError(t, db.InTx(store.ForWork(ctx, store.WorkSearch), func(tx store.Tx) error {
			inside = busy()[store.WorkSearch] // the holder's time so far counts
			_, err := tx.Exec(ctx, `SELECT 1`)
			return err
		}))
		after := busy()
		require.Greater(t, after[store.WorkSearch], inside, "the transaction's time is counted, as its work")
		require.Equal(t, after, busy(), "a free writer adds nothing")

		require.NoError(t, db.InTx(ctx, func(store.Tx) error { return nil }))
		require.Positive(t, busy()[store.WorkOther], "an unmarked transaction is other work")
		require.Equal(t, after[store.WorkSearch], busy()[store.WorkSearch])
	})
}
