package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// checkpointer copies SQLite's write-ahead log into the database file from
// a connection of its own, so the single writer never does.
//
// SQLite's automatic checkpoint runs inside the commit that pushes the log
// past 1,000 pages: the writer connection then copies the pages and
// flushes the log and the database file while every other write waits
// (time no CPU profile shows). Here the writer's automatic checkpoint is
// off (wal_autocheckpoint=0) and this loop runs a PASSIVE checkpoint every
// checkpointEvery: it takes no lock a writer waits for, and copies only
// what no reader still needs. Once a checkpoint has copied the whole log,
// the writer starts it over at its next transaction, so the file stays
// about as large as the writes between two checkpoints (and
// journal_size_limit trims it after a burst). A checkpoint with nothing to
// copy reads a header and flushes nothing: idle, this costs nothing.
type checkpointer struct {
	conn  *sql.DB // one connection of its own
	every time.Duration
	log   *slog.Logger
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once // Close may be called twice
}

// checkpointEvery is how often the log is checkpointed.
const checkpointEvery = 500 * time.Millisecond

func newCheckpointer(conn *sql.DB, log *slog.Logger) *checkpointer {
	return &checkpointer{conn: conn, every: checkpointEvery, log: log, stop: make(chan struct{})}
}

func (c *checkpointer) start() {
	c.wg.Go(func() {
		t := time.NewTicker(c.every)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
			}
			if err := c.run(context.Background()); err != nil {
				c.log.Warn("sqlite: checkpointing the write-ahead log", "err", err)
			}
		}
	})
}

// run is one PASSIVE checkpoint.
func (c *checkpointer) run(ctx context.Context) error {
	var busy, logFrames, copied int
	return c.conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied)
}

func (c *checkpointer) close() {
	c.once.Do(func() { close(c.stop) })
	c.wg.Wait()
}
