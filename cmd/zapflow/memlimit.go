package main

import (
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
