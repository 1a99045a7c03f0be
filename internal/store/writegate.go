package store

import (
	"context"
	"runtime"
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
// It also keeps how long the writer has been held, by the work each
// holder did (heldFor, ForWork): SQLite has one writer, so that time's
// rate is how near saturation the whole installation is, whatever the
// machine's speed that day, and its split says what fills it.
type writeGate struct {
	mu     sync.Mutex
	busy   bool
	urgent []waiter
	normal []waiter

	now       func() time.Time         // nil: time.Now (tests set a clock)
	work      string                   // the current holder's work
	heldSince time.Time                // when the current holder got the gate
	held      map[string]time.Duration // by work, holders before the current one
}

// waiter is a transaction queued for the gate: closing ch hands it over.
type waiter struct {
	ch   chan struct{}
	work string
}

func (g *writeGate) clock() time.Time {
	if g.now != nil {
		return g.now()
	}
	return time.Now()
}

// heldFor is how long the gate has been held since it was made, by work,
// the current holder's time so far included.
func (g *writeGate) heldFor() map[string]time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]time.Duration, len(g.held)+1)
	for w, d := range g.held {
		out[w] = d
	}
	if g.busy {
		out[g.work] += g.clock().Sub(g.heldSince)
	}
	return out
}

// acquire waits for the gate. On success the caller holds it and must
// call release; if ctx ends first it returns ctx's error.
func (g *writeGate) acquire(ctx context.Context, urgent bool) error {
	work := workOf(ctx)
	g.mu.Lock()
	if !g.busy {
		g.busy, g.work, g.heldSince = true, work, g.clock()
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	if urgent {
		g.urgent = append(g.urgent, waiter{ch, work})
	} else {
		g.normal = append(g.normal, waiter{ch, work})
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

// release hands the gate to the next waiter, urgent ones first, and
// then yields the caller's processor to it. Handing over readies the
// waiter on the caller's processor, and a transaction's next step is a
// blocking system call (InTx flushes the log, walsync.go): until the
// runtime's monitor notices and takes the processor back, the new holder
// cannot run, and the one writer sits idle. Measured in bench-flows on the 2-core reference
// machine, that wait averaged 0.7 ms for each send claim and 1.3 ms for
// each batch of webhooks, about 9% of the writer's time; with the yield,
// 0.2 ms and 0.15 ms, and 15-20% more flows and webhooks a second.
func (g *writeGate) release() {
	g.mu.Lock()
	handed := g.handOverLocked()
	g.mu.Unlock()
	if handed {
		runtime.Gosched()
	}
}

// handOverLocked ends the current holder's time and gives the gate to
// the next waiter, whose time starts at once, or frees it; true if there
// was a waiter.
func (g *writeGate) handOverLocked() bool {
	at := g.clock()
	if g.held == nil {
		g.held = map[string]time.Duration{}
	}
	g.held[g.work] += at.Sub(g.heldSince)
	g.heldSince = at
	var next waiter
	switch {
	case len(g.urgent) > 0:
		next, g.urgent = g.urgent[0], g.urgent[1:]
	case len(g.normal) > 0:
		next, g.normal = g.normal[0], g.normal[1:]
	default:
		g.busy = false
		return false
	}
	g.work = next.work
	close(next.ch)
	return true
}

// remove takes ch out of its queue; false if it was already handed over.
func (g *writeGate) remove(ch chan struct{}) bool {
	for _, q := range []*[]waiter{&g.urgent, &g.normal} {
		for i, w := range *q {
			if w.ch == ch {
				*q = append((*q)[:i], (*q)[i+1:]...)
				return true
			}
		}
	}
	return false
}
