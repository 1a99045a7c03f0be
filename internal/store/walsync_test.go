package store

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Commits that arrive while a flush is under way wait for the next one,
// and share it: three committers, two flushes. A flush error reaches the
// committers that waited for it, and the next flush is tried again.
func TestWALSyncerSharesFlushes(t *testing.T) {
	w := newWALSyncer(t.TempDir() + "/db")
	started, release := make(chan struct{}, 4), make(chan error)
	var calls int
	w.flushFn = func() error {
		calls++
		started <- struct{}{}
		return <-release
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() { errs[0] = w.wait() })
	<-started // the first committer's flush is under way
	for i := 1; i < 3; i++ {
		wg.Go(func() { errs[i] = w.wait() })
	}
	require.Eventually(t, func() bool { return w.tickets.Load() == 3 }, 5*time.Second, time.Millisecond)
	release <- nil // the first flush ends; it began before the other two committed
	<-started      // so one more flush starts, for both of them
	release <- nil
	wg.Wait()
	require.Equal(t, []error{nil, nil, nil}, errs)
	require.Equal(t, 2, calls)
	require.Equal(t, uint64(3), w.synced)

	// A failed flush is an error for its committer, and not counted as done.
	done := make(chan error)
	go func() { done <- w.wait() }()
	<-started
	release <- errFlushTest
	require.ErrorIs(t, <-done, errFlushTest)
	require.Equal(t, uint64(3), w.synced)
	go func() { done <- w.wait() }()
	<-started
	release <- nil
	require.NoError(t, <-done)
	require.Equal(t, uint64(5), w.synced)
}

var errFlushTest = errorString("disk gone")

type errorString string

func (e errorString) Error() string { return string(e) }

// The real flush of a log that is not there (closed and checkpointed)
// is nothing to do; of one that is, a flush of the file and, once, of
// its folder.
func TestWALSyncerFlushesTheLogFile(t *testing.T) {
	dir := t.TempDir()
	w := newWALSyncer(dir + "/db")
	require.NoError(t, w.wait())
	require.False(t, w.dirDone, "no log file yet")
	require.Zero(t, w.flushes.Load())
	require.NoError(t, writeFile(dir+"/db-wal"))
	require.NoError(t, w.wait())
	require.True(t, w.dirDone)
	require.Equal(t, int64(1), w.flushes.Load())
}

func writeFile(path string) error { return os.WriteFile(path, []byte("frames"), 0o600) }
