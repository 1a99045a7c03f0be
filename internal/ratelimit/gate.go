package ratelimit

import (
	"math"
	"time"
)

// Booking slots evenly is not enough to keep every one-second window under
// the rate as Meta (or the sandbox) counts it: a send goes when its
// goroutine wakes, and on a loaded machine a timer that fires 40 ms late
// lets that send land next to ones that went on time. Measured under load,
// 80/s evenly booked showed up as 83–88 sends in some one-second windows.
// Two measures close that gap:
//
//   - Headroom: slots are booked at (1−Headroom) × the rate (1% by
//     default), so evenly spaced sends leave rate sends spanning a little
//     more than a second. The average stays within 2% of the rate.
//   - The gate: [Limiter.Admit] is asked right before each call to Meta
//     and keeps a log of the sender's last rate admissions; it refuses a
//     send while rate of them already fall within the last window
//     (one second plus half the headroom, so a few milliseconds of
//     jitter between our call and Meta's receipt are absorbed too). The
//     log is a ring of rate entries per sender (at most maxGateLog), so
//     its memory is bounded by the rate, not by the traffic.
//
// Late sends therefore wait for the window instead of bunching; on an idle
// machine the gate never makes anyone wait, because evenly booked slots with
// headroom already satisfy it.

// maxGateLog caps a sender's admission log (80 KB). Meta's highest
// throughput tier is 1,000 messages/s; a sender configured above the cap is
// left to its evenly booked slots rather than gated below its rate.
const maxGateLog = 10_000

// gate is one sender's ring of admitted send times (ns since the
// Limiter's base): n entries, the oldest at head.
type gate struct {
	log     []int64
	head, n int
	// queued counts the callers deferred since the last admission. The
	// k-th is told to come back when the k-th oldest admission leaves the
	// window, not all of them when the oldest does: after a stall that
	// bunched hundreds of sends, they would otherwise all wake at once,
	// every time, for one of them to go.
	queued int
}

// gateLimit is how many sends one window may hold at rate.
func gateLimit(rate float64) int {
	if !(rate > 0) {
		rate = DefaultRate
	}
	return max(int(math.Floor(rate+1e-9)), 1)
}

// Admit records that senderID is about to call Meta now and returns 0, or,
// when rate sends were already admitted within the last window, records
// nothing and returns how long to wait before asking again. Callers ask it
// right before the call, after waiting for the slot Reserve gave them.
func (l *Limiter) Admit(senderID int64, rate float64) time.Duration {
	n := gateLimit(rate)
	if n > maxGateLog {
		return 0
	}
	// The time is read under the lock: admissions must enter the ring in
	// time order, and a caller that waited for the lock is admitted when
	// it gets it, not when it asked.
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	g := &l.sender(senderID, now).gate
	if len(g.log) != n {
		g.resize(n)
	}
	if g.n == len(g.log) {
		if oldest := g.log[g.head]; oldest > now-l.window {
			k := min(g.queued, g.n-1)
			g.queued++
			return time.Duration(max(g.log[(g.head+k)%len(g.log)], oldest) + l.window - now)
		}
	}
	g.push(now)
	g.queued = 0
	return 0
}

// push records an admission at t, overwriting the oldest when full.
func (g *gate) push(t int64) {
	if g.n < len(g.log) {
		g.log[(g.head+g.n)%len(g.log)] = t
		g.n++
		return
	}
	g.log[g.head] = t
	g.head = (g.head + 1) % len(g.log)
}

// resize moves the newest min(n, size) admissions into a ring of size
// places (the rate changed).
func (g *gate) resize(size int) {
	kept := make([]int64, 0, g.n)
	for i := range g.n {
		kept = append(kept, g.log[(g.head+i)%len(g.log)])
	}
	if len(kept) > size {
		kept = kept[len(kept)-size:]
	}
	g.log = make([]int64, size)
	g.head, g.n, g.queued = 0, copy(g.log, kept), 0
}

// idle reports whether the ring can no longer hold anyone back at now.
func (g *gate) idle(now, window int64) bool {
	return g.n == 0 || g.log[(g.head+g.n-1)%len(g.log)] <= now-window
}

// TakeOver tells the limiter that another process was sending from
// senderID until prevUntil (its sender lease ended then) and this one
// sends from now on. This process has no log of those sends, so it starts
// one window after prevUntil: no window can then hold sends of both. After
// a crash the lease has lapsed seconds ago and this costs nothing; after a
// graceful hand-over it is a pause of under a second.
func (l *Limiter) TakeOver(senderID int64, prevUntil time.Time) {
	l.Backoff(senderID, prevUntil.Add(time.Duration(l.window)))
}
