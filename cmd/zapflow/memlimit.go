package main

import (
	"runtime"
	"runtime/debug"
)

// applyMemoryLimit hands ZAPFLOW_MEMORY_LIMIT to the Go runtime unless the
// operator set GOMEMLIMIT (which the runtime has already read). Without a
// limit the heap may grow to twice its live size between collections, and
// a burst of short-lived garbage (a large export, a queue draining) shows
// as resident memory long after it is gone. It returns the limit in force.
func applyMemoryLimit(limit int64, getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" || limit <= 0 {
		return debug.SetMemoryLimit(-1) // reads without changing
	}
	debug.SetMemoryLimit(limit)
	return limit
}

// releaseStartupMemory collects what starting up left behind and gives the
// freed pages back to the operating system, once, before serving.
//
// Reading the migrations (goose, at every start) leaves its 4 MiB scan
// buffers in a sync.Pool, one per file parsed at the same time: 16 MiB
// here. A pool lets go of what it holds only at the second collection
// after, and an idle server collects about once in two minutes (the
// runtime's forced collection): it rose to 49-54 MB resident in its first
// minutes, and stays at 42-44 MB with this. The first collection below
// moves the pools' contents to their victim caches; the second
// (FreeOSMemory's) frees them and returns the heap's free pages.
func releaseStartupMemory() {
	runtime.GC()
	debug.FreeOSMemory()
}
