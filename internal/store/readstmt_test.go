package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReaderPreparesEachQueryOnce: reads through the SQLite reader pool
// reuse one prepared statement per query text, a missing row is still
// ErrNotFound, and a query that does not compile is not cached and fails
// where it is run.
func TestReaderPreparesEachQueryOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "z.db"))
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT)`)
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO k (id, v) VALUES (1, 'a'), (2, 'b')`)
		}
		return err
	}))
	rs := db.(*sqliteDB).readStmts
	for id, want := range map[int64]string{1: "a", 2: "b"} {
		var v string
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT v FROM k WHERE id = ?`, id).Scan(&v))
		require.Equal(t, want, v)
	}
	var v string
	require.ErrorIs(t, db.Read().QueryRow(ctx, `SELECT v FROM k WHERE id = ?`, 3).Scan(&v), ErrNotFound)
	rs.mu.Lock()
	require.Len(t, rs.stmts, 1, "one statement for the one query text")
	rs.mu.Unlock()

	_, err = db.Read().Query(ctx, `SELECT nope FROM k`)
	require.Error(t, err)
	rs.mu.Lock()
	require.Len(t, rs.stmts, 1, "a query that does not compile is not cached")
	rs.mu.Unlock()
}
