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
	f := newBlobFile(t)
	db, d, write, walSize := f.db, f.d, f.write, f.walSize
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

// Under sustained writes a PASSIVE checkpoint never copies the whole log
// (the writer appends while it copies), so the log would grow without
// end. Past restartFrames the checkpointer holds the writers back and
// finishes the copy (RESTART), and the next write starts the log over.
func TestCheckpointsRestartALongLogUnderWrites(t *testing.T) {
	ctx := context.Background()
	f := newBlobFile(t)
	f.d.checkpoints.restartFrames = 2000
	f.write(3000)
	// The writer appends while the PASSIVE checkpoint copies.
	f.d.checkpoints.passive = func(ctx context.Context) (int, error) {
		frames, err := f.d.checkpoints.checkpointPassive(ctx)
		f.write(200)
		return frames, err
	}
	require.NoError(t, f.d.checkpoints.run(ctx))
	require.EqualValues(t, 1, f.d.checkpoints.restarts.Load())
	grown := f.walSize()
	f.write(500)
	require.Equal(t, grown, f.walSize(), "after the restart the writer starts the log over")

	// A short log is left to PASSIVE checkpoints.
	f.d.checkpoints.restartFrames = 1_000_000
	require.NoError(t, f.d.checkpoints.run(ctx))
	require.EqualValues(t, 1, f.d.checkpoints.restarts.Load())
	var n int
	require.NoError(t, f.db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM blobs`).Scan(&n))
	require.Equal(t, 3900, n)
}

// blobFile is a fresh SQLite file whose checkpoints the test runs by hand,
// with a table of page-sized rows.
type blobFile struct {
	db      DB
	d       *sqliteDB
	write   func(rows int) // rows of about one page, 100 per transaction
	walSize func() int64   // the log file's size
}

func newBlobFile(t *testing.T) blobFile {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "z.db")
	db, err := OpenSQLite(ctx, path)
	require.NoError(t, err)
	d := db.(*sqliteDB)
	d.checkpoints.close() // the test runs them by hand
	d.checkpoints = newCheckpointer(d.checkpoints.conn, &d.gate, d.checkpoints.log)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.InTx(ctx, func(tx Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE blobs (id INTEGER PRIMARY KEY, b TEXT NOT NULL)`)
		return err
	}))
	blob := strings.Repeat("x", 4000)
	return blobFile{db: db, d: d,
		write: func(rows int) {
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
		},
		walSize: func() int64 {
			t.Helper()
			fi, err := os.Stat(path + "-wal")
			require.NoError(t, err)
			return fi.Size()
		},
	}
}

// A long read keeps a RESTART from finishing: the checkpointer gives up
// (writers go on), and tries again only after restartBackoff runs.
func TestCheckpointsBackOffWhileALongReadLasts(t *testing.T) {
	ctx := context.Background()
	f := newBlobFile(t)
	f.d.checkpoints.restartFrames = 2000
	f.write(1000)
	conn, err := f.d.reader.Conn(ctx)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, `BEGIN`)
	require.NoError(t, err)
	var n int
	require.NoError(t, conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM blobs`).Scan(&n)) // the snapshot is taken
	f.write(2000)

	require.NoError(t, f.d.checkpoints.run(ctx))
	require.Zero(t, f.d.checkpoints.restarts.Load(), "the reader's snapshot still needs the log")
	require.Equal(t, restartBackoff, f.d.checkpoints.skip)
	f.write(100) // writers are not held

	_, err = conn.ExecContext(ctx, `COMMIT`)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	for i := range restartBackoff {
		require.NoError(t, f.d.checkpoints.run(ctx))
		require.Zero(t, f.d.checkpoints.restarts.Load(), "restarted after %d runs of %d", i+1, restartBackoff)
	}
	require.NoError(t, f.d.checkpoints.run(ctx))
	require.EqualValues(t, 1, f.d.checkpoints.restarts.Load())
}

// TruncateLog empties the log even while background checkpoints run: a
// checkpoint that finds another under way fails at once, so the two must
// take turns (on the writer connection, 193 of 200 failed).
func TestTruncateLogTakesTurnsWithTheBackgroundCheckpoints(t *testing.T) {
	ctx := context.Background()
	f := newBlobFile(t)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := f.d.checkpoints.run(ctx); err != nil {
				done <- err
				return
			}
		}
	}()
	for range 30 {
		f.write(100)
		require.NoError(t, TruncateLog(ctx, f.db))
		require.Zero(t, f.walSize(), "the log is emptied")
	}
	close(stop)
	require.NoError(t, <-done)
}
