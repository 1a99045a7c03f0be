// Package testclock is a manually moved time source for tests. It is a
// regular package only so that tests in several packages can share it;
// production code does not use it.
package testclock

import (
	"sync"
	"time"
)

// Clock is a time source that moves only when a test says so. It is safe
// for concurrent use; its Now method fits the `Now func() time.Time` fields
// that packages take for injected time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Clock that reads t until it is moved.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t (forwards or backwards).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
