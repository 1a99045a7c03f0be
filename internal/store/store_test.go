package store_test

import (
	"context"
	"errors"
	"strconv"
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
// ordinary one flushes again.
func TestRelaxedDurability(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		calls := 0
		mode := func(ctx context.Context) string {
			var v string
			calls++
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
				if db.Dialect() == store.Postgres {
					return tx.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&v)
				}
				// SQLite reads a pragma's value when the statement is
				// prepared: a new text each time escapes the statement cache.
				return tx.QueryRow(ctx, `PRAGMA synchronous -- `+strconv.Itoa(calls)).Scan(&v)
			}))
			return v
		}
		full, relaxed := "2", "1" // SQLite: FULL, NORMAL
		if db.Dialect() == store.Postgres {
			full, relaxed = "on", "off"
		}
		require.Equal(t, full, mode(ctx))
		require.Equal(t, relaxed, mode(store.Relaxed(ctx)))
		require.Equal(t, full, mode(ctx), "an ordinary transaction after a relaxed one is durable again")
	})
}

func TestList(t *testing.T) {
	require.Equal(t, "?", store.List(1))
	require.Equal(t, "?, ?, ?", store.List(3))
	require.Equal(t, "(?, ?), (?, ?)", store.Placeholders(2, 2))
}
