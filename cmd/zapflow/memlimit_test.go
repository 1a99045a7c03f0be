package main

import (
	"runtime"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The configured limit reaches the runtime; GOMEMLIMIT, when set, is left
// in force; 0 leaves the runtime's limit as it is.
func TestApplyMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	none := func(string) string { return "" }

	require.Equal(t, int64(123<<20), applyMemoryLimit(123<<20, none))
	require.Equal(t, int64(123<<20), debug.SetMemoryLimit(-1))

	operator := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	}
	require.Equal(t, int64(123<<20), applyMemoryLimit(64<<20, operator), "GOMEMLIMIT wins: the runtime's limit stays")
	require.Equal(t, int64(123<<20), applyMemoryLimit(0, none), "0 changes nothing")
}

// What a sync.Pool holds at start-up (goose's scan buffers) is freed
// before serving, and its pages go back to the system.
func TestReleaseStartupMemoryFreesPooledBuffers(t *testing.T) {
	var pool sync.Pool
	buf := make([]byte, 16<<20)
	pool.Put(&buf)
	buf = nil
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)

	releaseStartupMemory()

	runtime.ReadMemStats(&after)
	require.Less(t, after.HeapAlloc+12<<20, before.HeapAlloc, "the pooled 16 MiB are freed")
	require.GreaterOrEqual(t, after.HeapReleased, uint64(12<<20), "and the pages go back to the system")
	runtime.KeepAlive(&pool)
}
