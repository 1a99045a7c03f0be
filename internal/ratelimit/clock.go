package ratelimit

import "time"

// Clock is injected so tests never sleep: the limiter only ever asks it for
// the current time and computes waits from it.
type Clock interface{ Now() time.Time }

// realClock is the default Clock. time.Now carries a monotonic reading, so
// wall-clock jumps (NTP, DST) do not distort the schedule.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
