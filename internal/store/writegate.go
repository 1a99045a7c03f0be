package store

import (
	"context"
	"sync"
	"time"
)

type urgentKey struct{}

// Urgent marks the transactions run with ctx as ones something is waiting
// on right now: a webhook's HTTP response waits for its events' commit,
// and the sends of the queue wait for their claim. On SQLite they take the
// single writer connection before the background work queued for it
// (applying events, recording send outcomes): that work is measured in
// throughput, an acknowledgement or a send in latency, and Meta holds each
// webhook request open until it is answered. Urgent transactions are short
// by construction. PostgreSQL runs transactions side by side and ignores
// the mark.
func Urgent(ctx context.Context) context.Context {
	return context.WithValue(ctx, urgentKey{}, true)
}

// IsUrgent reports whether ctx carries the Urgent mark.
func IsUrgent(ctx context.Context) bool {
	v, _ := ctx.Value(urgentKey{}).(bool)
	return v
}

// writeGate decides which transaction gets SQLite's writer connection
// next. database/sql hands a freed connection to a random waiter, so a
// webhook commit could wait behind several batches of background work in
// a row; the gate queues transactions first in first out, urgent ones
// ahead of the rest, and lets one at a time ask the pool.
//
// It also keeps how long the writer has been held in all (heldFor):
// SQLite has one writer, so that time's rate is how near saturation the
// whole installation is, whatever the machine's speed that day.
type writeGate struct {
	mu     sync.Mutex
	busy   bool
	urgent []chan struct{}
	normal []chan struct{}

	now       func() time.Time // nil: time.Now (tests set a clock)
	heldSince time.Time        // when the current holder got the gate
	held      time.Duration    // by holders before the current one
}

func (g *writeGate) clock() time.Time {
	if g.now != nil {
		return g.now()
	}
	return time.Now()
}

// heldFor is how long the gate has been held since it was made, the
// current holder's time so far included.
func (g *writeGate) heldFor() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.busy {
		return g.held
	}
	return g.held + g.clock().Sub(g.heldSince)
}

// acquire waits for the gate. On success the caller holds it and must
// call release; if ctx ends first it returns ctx's error.
func (g *writeGate) acquire(ctx context.Context, urgent bool) error {
	g.mu.Lock()
	if !g.busy {
		g.busy, g.heldSince = true, g.clock()
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	if urgent {
		g.urgent = append(g.urgent, ch)
	} else {
		g.normal = append(g.normal, ch)
	}
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.remove(ch) {
			return ctx.Err()
		}
		// Handed over just now: pass it on.
		g.handOverLocked()
		return ctx.Err()
	}
}

// release hands the gate to the next waiter, urgent ones first.
func (g *writeGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.handOverLocked()
}

// handOverLocked ends the current holder's time and gives the gate to
// the next waiter, whose time starts at once, or frees it.
func (g *writeGate) handOverLocked() {
	at := g.clock()
	g.held += at.Sub(g.heldSince)
	g.heldSince = at
	var next chan struct{}
	switch {
	case len(g.urgent) > 0:
		next, g.urgent = g.urgent[0], g.urgent[1:]
	case len(g.normal) > 0:
		next, g.normal = g.normal[0], g.normal[1:]
	default:
		g.busy = false
		return
	}
	close(next)
}

// remove takes ch out of its queue; false if it was already handed over.
func (g *writeGate) remove(ch chan struct{}) bool {
	for _, q := range []*[]chan struct{}{&g.urgent, &g.normal} {
		for i, c := range *q {
			if c == ch {
				*q = append((*q)[:i], (*q)[i+1:]...)
				return true
			}
		}
	}
	return false
}
