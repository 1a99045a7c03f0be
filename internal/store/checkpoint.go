package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
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
//
// Under sustained writes that "once" never comes: by the time a PASSIVE
// checkpoint has copied the log, the writer has appended more, so the log
// is never wholly copied and never started over. Measured, it grew by
// about 40 MB a second under the flows benchmark, without bound. So once
// the log passes restartFrames, the checkpointer takes the writer's turn
// (the write gate, in line with the transactions) and runs a RESTART
// checkpoint: with no writer, it copies the rest of the log and waits
// briefly for readers to finish their snapshots, after which the next
// transaction writes from the log's start again. Writers wait for that
// copy, a few milliseconds once PASSIVE checkpoints have done the bulk.
// If a long read (a backup, an export) keeps it from finishing within
// restartWait, it gives up, and waits restartBackoff runs before it holds
// the writers again.
type checkpointer struct {
	conn  *sql.DB // one connection of its own
	gate  *writeGate
	every time.Duration
	// restartFrames is the log length (pages) past which a checkpoint
	// starts the log over.
	restartFrames int
	// passive is checkpointPassive; tests wrap it to write meanwhile.
	passive  func(context.Context) (int, error)
	log      *slog.Logger
	stop     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once    // Close may be called twice
	restarts atomic.Int64 // RESTART checkpoints that completed (tests)
	// skip counts down the runs left before another RESTART may be tried.
	skip int
}

const (
	// checkpointEvery is how often the log is checkpointed.
	checkpointEvery = 500 * time.Millisecond
	// restartFrames: 16,384 pages of 4 KiB, a 64 MiB log.
	restartFrames = 16384
	// restartWait bounds how long a RESTART checkpoint waits, writers
	// held, for readers of older snapshots (in milliseconds).
	restartWait = 200
	// restartBackoff is how many runs a RESTART that readers kept from
	// finishing waits before the next: 5 s, so a long read costs writers
	// at most restartWait in every restartBackoff runs.
	restartBackoff = 10
)

func newCheckpointer(conn *sql.DB, gate *writeGate, log *slog.Logger) *checkpointer {
	c := &checkpointer{conn: conn, gate: gate, every: checkpointEvery, restartFrames: restartFrames, log: log, stop: make(chan struct{})}
	c.passive = c.checkpointPassive
	return c
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

// run is one PASSIVE checkpoint, and a RESTART one when the log has grown
// past restartFrames.
func (c *checkpointer) run(ctx context.Context) error {
	logFrames, err := c.passive(ctx)
	if err != nil || logFrames < c.restartFrames {
		return err
	}
	if c.skip > 0 {
		c.skip--
		return nil
	}
	return c.restart(ctx)
}

// checkpointPassive copies what it can of the log and returns the log's
// length in pages.
func (c *checkpointer) checkpointPassive(ctx context.Context) (logFrames int, err error) {
	var busy, copied int
	err = c.conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied)
	return logFrames, err
}

// restart runs a RESTART checkpoint while holding the writer's turn.
func (c *checkpointer) restart(ctx context.Context) error {
	if err := c.gate.acquire(ForWork(ctx, WorkLog), false); err != nil {
		return err
	}
	defer c.gate.release()
	conn, err := c.conn.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The connection's long busy timeout is for PASSIVE runs, which block
	// nobody; this one holds every writer while it waits.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, restartWait)); err != nil {
		return err
	}
	defer func() {
		// Should this fail, later PASSIVE runs only wait less for locks.
		_, _ = conn.ExecContext(ctx, `PRAGMA busy_timeout = 10000`)
	}()
	var busy, logFrames, copied int
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &logFrames, &copied); err != nil {
		return err
	}
	if busy != 0 {
		c.skip = restartBackoff
		return nil
	}
	c.restarts.Add(1)
	return nil
}

// TruncateLog copies SQLite's whole write-ahead log into the database
// file and empties the log file, waiting (up to the connection's busy
// timeout, 10 s) for readers of older snapshots; writers wait meanwhile.
// An erasure uses it so that no old page of the erased rows stays in the
// log. It does nothing on PostgreSQL.
//
// It runs on the checkpointer's one connection, so it takes turns with
// the background checkpoints: SQLite answers a checkpoint that finds
// another under way "busy" at once, without waiting. Run on the writer
// connection, as erasures did, it failed that way 193 times in 200
// against a loop of PASSIVE checkpoints, and an erasure in CI left the
// contact's bytes in the log.
func TruncateLog(ctx context.Context, db DB) error {
	d, ok := db.(*sqliteDB)
	if !ok {
		return nil
	}
	return d.checkpoints.truncate(ctx)
}

func (c *checkpointer) truncate(ctx context.Context) error {
	if err := c.gate.acquire(ForWork(ctx, WorkLog), false); err != nil {
		return err
	}
	defer c.gate.release()
	var busy, logFrames, copied int
	if err := c.conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &copied); err != nil {
		return err
	}
	if busy != 0 {
		return errors.New("store: the write-ahead log could not be emptied: a read of an older snapshot lasted past the busy timeout")
	}
	return nil
}

func (c *checkpointer) close() {
	c.once.Do(func() { close(c.stop) })
	c.wg.Wait()
}
