package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// walSyncer makes SQLite commits durable after the writer connection is
// released, and shares one flush among every commit waiting for it.
//
// The writer connection runs with synchronous=NORMAL: a commit appends
// its pages to the write-ahead log and returns without flushing it, so
// it survives a crash of zapflow but not yet a power loss. With FULL,
// SQLite flushes inside the commit while holding the only writer
// connection, and under load everything else (processing, send outcomes)
// waited behind that flush: measured, about a third of the writer's
// time. Here the committer gives the connection back first and then
// waits for a flush of the log file that began after its commit; one
// flush covers every commit before it, so concurrent committers share it
// (group commit). Nothing acknowledged depends on an unflushed commit:
// InTx returns, and runs its after-commit hooks, only once flushed.
//
// Why flushing the log from another file handle is enough: fsync flushes
// the file, whichever handle wrote it. A checkpoint that copies the log
// into the database and starts the log over flushes the log before and
// the database after copying (synchronous=NORMAL), so a commit that a
// checkpoint took along is on disk in the database file.
type walSyncer struct {
	path    string        // the -wal file
	tickets atomic.Uint64 // commits that asked for a flush so far
	mu      sync.Mutex    // one flush at a time
	synced  uint64        // every ticket up to this one is on disk
	dirDone bool          // the folder was flushed once (the log file's own entry)
	flushes atomic.Int64  // flushes done (tests)
	// flushFn is flush; tests hold it to line committers up.
	flushFn func() error
}

func newWALSyncer(dbPath string) *walSyncer {
	w := &walSyncer{path: dbPath + "-wal"}
	w.flushFn = w.flush
	return w
}

// wait returns once everything committed before the call is on disk.
func (w *walSyncer) wait() error {
	mine := w.tickets.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.synced >= mine {
		return nil // a flush that began after this commit has finished
	}
	upTo := w.tickets.Load() // their commits all returned before this flush
	if err := w.flushFn(); err != nil {
		return fmt.Errorf("store: flush the write-ahead log: %w", err)
	}
	w.synced = upTo
	return nil
}

func (w *walSyncer) flush() error {
	f, err := os.OpenFile(w.path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		// No log: the last connection closed and checkpointed it into the
		// database, which that checkpoint flushed.
		return nil
	}
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !w.dirDone {
		// The log file was created by this process: its name in the
		// folder must be on disk too, once.
		if d, derr := os.Open(filepath.Dir(w.path)); derr == nil {
			err = d.Sync()
			_ = d.Close()
		}
		w.dirDone = err == nil
	}
	w.flushes.Add(1)
	return err
}
