package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A transaction's memo reads a row once, and reads it again after the
// transaction wrote its table, deleted anything or rolled back to a
// savepoint; outside a transaction it always reads.
func TestMemoLivesWithTheTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		var id int64
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO accounts (name, waba_id, sandbox, created_at, updated_at) VALUES ('A', '1', ?, 0, 0) RETURNING id`, true).Scan(&id)
		}))
		loads := 0
		name := func(q store.Querier) string {
			v, err := store.Memo(ctx, q, "accounts", "a", func() (string, error) {
				loads++
				var n string
				return n, q.QueryRow(ctx, `SELECT name FROM accounts WHERE id = ?`, id).Scan(&n)
			})
			require.NoError(t, err)
			return v
		}
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			require.Equal(t, "A", name(tx))
			require.Equal(t, "A", name(tx))
			require.Equal(t, 1, loads, "read once")

			_, err := tx.Exec(ctx, `UPDATE settings SET value = value WHERE key = 'none'`)
			require.NoError(t, err)
			require.Equal(t, "A", name(tx))
			require.Equal(t, 1, loads, "another table written: still known")

			_, err = tx.Exec(ctx, `UPDATE accounts SET name = 'B' WHERE id = ?`, id)
			require.NoError(t, err)
			require.Equal(t, "B", name(tx), "its table written: read again")
			require.Equal(t, 2, loads)

			// Statements as the code writes them: indented, across lines.
			_, err = tx.Exec(ctx, "\n\t\tINSERT\tINTO settings(key, value, updated_at)\n\t\tVALUES ('memo', '1', 0)")
			require.NoError(t, err)
			require.Equal(t, "B", name(tx))
			require.Equal(t, 2, loads, "another table inserted into: still known")
			_, err = tx.Exec(ctx, "\n\tINSERT INTO\n\taccounts (name, waba_id, sandbox, created_at, updated_at) VALUES ('C', '2', ?, 0, 0)", true)
			require.NoError(t, err)
			require.Equal(t, "B", name(tx), "its table inserted into: read again")
			require.Equal(t, 3, loads)

			_, err = tx.Exec(ctx, `DELETE FROM settings WHERE key = 'none'`)
			require.NoError(t, err)
			require.Equal(t, "B", name(tx))
			require.Equal(t, 4, loads, "a delete may cascade: read again")
			return nil
		}))
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			require.Equal(t, "B", name(tx))
			require.Equal(t, 5, loads, "a new transaction reads again")
			return nil
		}))
		require.Equal(t, "B", name(db.Read()))
		require.Equal(t, "B", name(db.Read()))
		require.Equal(t, 7, loads, "no memo outside a transaction")
	})
}

// BeforeCommit runs once per key, after fn and before the commit, and its
// error rolls the transaction back.
func TestBeforeCommit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		var ran []string
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			for range 3 {
				tx.BeforeCommit("a", func() error { ran = append(ran, "a"); return nil })
			}
			tx.BeforeCommit("b", func() error {
				ran = append(ran, "b")
				_, err := tx.Exec(ctx, `INSERT INTO accounts (name, waba_id, sandbox, created_at, updated_at) VALUES ('kept', '7', ?, 0, 0)`, true)
				return err
			})
			ran = append(ran, "fn")
			return nil
		}))
		require.Equal(t, []string{"fn", "a", "b"}, ran)

		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO accounts (name, waba_id, sandbox, created_at, updated_at) VALUES ('gone', '8', ?, 0, 0)`, true); err != nil {
				return err
			}
			tx.BeforeCommit("x", func() error { return boom })
			return nil
		})
		require.ErrorIs(t, err, boom)
		var n int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE name IN ('kept', 'gone')`).Scan(&n))
		require.Equal(t, 1, n, "the failed hook rolled its transaction back")
	})
}
