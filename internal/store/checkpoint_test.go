package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The writer never checkpoints the log itself; the checkpointer's run
// copies it on its own connection, after which the writer reuses the log
// from its start instead of growing it.
func TestCheckpointsRunOffTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "z.db")
	db, err := OpenSQLite(ctx, path)
	require.NoError(t, err)
	d := db.(*sqliteDB)
	d.checkpoints.close() // this test runs them by hand
	d.checkpoints = newCheckpointer(d.checkpoints.conn, d.checkpoints.log)
	t.Cleanup(func() { _ = db.Close() })

	blob := strings.Repeat("x", 4000)
	write := func(rows int) {
		t.Helper()
		for i := 0; i < rows; i += 100 {
			require.NoError(t, db.InTx(ctx, func(tx Tx) error {
				for j := 0; j < 100; j++ {
					if _, err := tx.Exec(ctx, `INSERT INTO blobs (b) VALUES (?)`, blob); err != nil {
						return err
					}
				}
				return nil
			}))
		}
	}
	walSize := func() int64 {
		t.Helper()
		fi, err := os.Stat(path + "-wal")
		require.NoError(t, err)
		return fi.Size()
	}
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE blobs (id INTEGER PRIMARY KEY, b TEXT NOT NULL)`)
		return err
	}))
	write(3000) // about 3,000 pages: SQLite's own checkpoint would have run at 1,000
	grown := walSize()
	require.Greater(t, grown, int64(2500*4096), "the writer did not checkpoint")

	require.NoError(t, d.checkpoints.run(ctx))
	write(500)
	require.Equal(t, grown, walSize(), "after a full checkpoint the writer starts the log over")
	var n int
	require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM blobs`).Scan(&n))
	require.Equal(t, 3500, n)
}
