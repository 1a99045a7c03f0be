package store_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func TestStoreBothDialects(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

		var id int64
		err := db.InTx(ctx, func(tx store.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO accounts (name, waba_id, sandbox, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?) RETURNING id`, "Loja", "123", true, store.Millis(now), store.Millis(now)).Scan(&id)
		})
		require.NoError(t, err)
		require.Positive(t, id)

		var name string
		var sandbox bool
		var created int64
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT name, sandbox, created_at FROM accounts WHERE id = ?`, id).
			Scan(&name, &sandbox, &created))
		require.Equal(t, "Loja", name)
		require.True(t, sandbox)
		require.Equal(t, now, store.Time(created))

		// A unique violation is ErrConflict on both drivers, and the failed
		// transaction leaves nothing behind.
		err = db.InTx(ctx, func(tx store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO accounts (name, waba_id, created_at, updated_at) VALUES (?, ?, 0, 0)`, "B", "456"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO accounts (name, waba_id, created_at, updated_at) VALUES (?, ?, 0, 0)`, "C", "123")
			return err
		})
		require.ErrorIs(t, err, store.ErrConflict)
		var n int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n))
		require.Equal(t, 1, n)

		err = db.Read().QueryRow(ctx, `SELECT name FROM accounts WHERE id = ?`, id+100).Scan(&name)
		require.True(t, errors.Is(err, store.ErrNotFound), "got %v", err)

		st, err := store.Status(ctx, db)
		require.NoError(t, err)
		require.False(t, st.Pending())
		require.Equal(t, st.Latest, st.Current)
	})
}

func TestPlaceholders(t *testing.T) {
	t.Parallel()
	require.Equal(t, "(?, ?), (?, ?), (?, ?)", store.Placeholders(3, 2))
	require.Equal(t, "(?)", store.Placeholders(1, 1))
}

func TestChunks(t *testing.T) {
	t.Parallel()
	require.Equal(t, []int{64, 4, 1, 1}, store.Chunks(70))
	require.Equal(t, []int{256, 256, 16, 4, 4, 1}, store.Chunks(537))
	require.Empty(t, store.Chunks(0))
	sum := 0
	for _, c := range store.Chunks(1999) {
		sum += c
	}
	require.Equal(t, 1999, sum)
}

// AfterCommit callbacks run after a commit, when the rows are visible to
// other connections, and never after a rollback.
func TestAfterCommit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		var seen []int
		err := db.InTx(ctx, func(tx store.Tx) error {
			tx.AfterCommit(func() {
				var n int
				require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE name = 'after'`).Scan(&n))
				seen = append(seen, n)
			})
			_, err := tx.Exec(ctx, `INSERT INTO accounts (name, waba_id, sandbox, created_at, updated_at) VALUES ('after', '1', ?, 0, 0)`, false)
			require.Empty(t, seen, "not before the commit")
			return err
		})
		require.NoError(t, err)
		require.Equal(t, []int{1}, seen, "ran once, and saw the committed row")

		err = db.InTx(ctx, func(tx store.Tx) error {
			tx.AfterCommit(func() { seen = append(seen, -1) })
			return errors.New("roll back")
		})
		require.Error(t, err)
		require.Equal(t, []int{1}, seen, "a rolled-back transaction runs nothing")
	})
}

// A relaxed transaction commits without its own flush to disk; the next
// ordinary one flushes again. On SQLite the flush is of the write-ahead
// log, after the commit (the connection itself never flushes).
func TestRelaxedDurability(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		write := func(ctx context.Context) {
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('durability', '1', 0)
					ON CONFLICT (key) DO UPDATE SET updated_at = settings.updated_at + 1`)
				return err
			}))
		}
		if db.Dialect() == store.SQLite {
			flushes := func(ctx context.Context) int64 {
				before := store.WALFlushes(db)
				write(ctx)
				return store.WALFlushes(db) - before
			}
			require.Equal(t, int64(1), flushes(ctx))
			require.Zero(t, flushes(store.Relaxed(ctx)))
			require.Equal(t, int64(1), flushes(ctx), "an ordinary transaction after a relaxed one is durable again")
			return
		}
		mode := func(ctx context.Context) string {
			var v string
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error { return tx.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&v) }))
			return v
		}
		require.Equal(t, "on", mode(ctx))
		require.Equal(t, "off", mode(store.Relaxed(ctx)))
		require.Equal(t, "on", mode(ctx), "an ordinary transaction after a relaxed one is durable again")
	})
}

// Concurrent durable commits on SQLite share log flushes, and each
// returns only after a flush that began after its commit.
func TestWALFlushIsShared(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	before := store.WALFlushes(db)
	const writers = 32
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, '1', 0)`, "shared-"+strconv.Itoa(i))
				return err
			}))
		})
	}
	wg.Wait()
	n := store.WALFlushes(db) - before
	require.GreaterOrEqual(t, n, int64(1))
	require.LessOrEqual(t, n, int64(writers))
	var rows int
	require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key LIKE 'shared-%'`).Scan(&rows))
	require.Equal(t, writers, rows)
}

func TestList(t *testing.T) {
	require.Equal(t, "?", store.List(1))
	require.Equal(t, "?, ?, ?", store.List(3))
	require.Equal(t, "(?, ?), (?, ?)", store.Placeholders(2, 2))
}
