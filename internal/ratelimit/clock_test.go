package ratelimit

import (
	"sync"
	"time"
)

// fakeClock is a Clock that only moves when a test says so.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// at is the time a send reserved now with wait d is scheduled for.
func (c *fakeClock) at(d time.Duration) time.Time { return c.Now().Add(d) }
