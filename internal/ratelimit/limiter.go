package ratelimit

import (
	"sync"
	"time"
)

// Limiter hands out send slots per sender and per (sender, recipient) pair.
//
// Each sender is a token bucket whose rate is the sender's messages/second
// and whose burst is Options.Burst (1 by default, so sends are evenly spaced:
// a burst would let a simulator counting sends per 1-second window see more
// than the rate). Each pair is a token bucket with Options.PairRate and
// Options.PairBurst. A slot is only handed out when both allow it, and never
// before a backoff Meta asked for.
//
// A Limiter is safe for concurrent use. A single mutex guards it: each call
// does a couple of map lookups and a few comparisons under it, which is far
// cheaper than contention-free sharding would be worth at the thousands of
// calls per second zapflow makes.
type Limiter struct {
	clock Clock
	base  time.Time // schedules count nanoseconds from here
	burst int64
	// pace scales rates down by the headroom; window is the admission
	// gate's window in ns (gate.go).
	pace   float64
	window int64

	pairInc int64 // interval between sends to one recipient, in ns
	pairTau int64 // pair burst tolerance in ns; < 0 disables the pair limit
	ttl     int64 // Options.IdleTTL in ns

	mu        sync.Mutex
	senders   map[int64]*schedule
	nextSweep int64 // see sweep.go
}

// New returns a Limiter configured by o (the zero Options gives Meta's
// defaults).
func New(o Options) *Limiter {
	o = o.withDefaults()
	l := &Limiter{
		clock:   o.Clock,
		base:    o.Clock.Now(),
		burst:   int64(o.Burst),
		pace:    1 - o.Headroom,
		window:  int64(time.Second) + int64(o.Headroom/2*float64(time.Second)),
		pairTau: -1,
		ttl:     int64(o.IdleTTL),
		senders: make(map[int64]*schedule),
	}
	if o.PairRate > 0 {
		l.pairInc = interval(o.PairRate)
		l.pairTau = int64(o.PairBurst-1) * l.pairInc
	}
	l.nextSweep = l.sweepEvery()
	return l
}

// Reserve books the next slot for one message from sender to recipient at
// the sender's rate (messages/second; a missing rate means DefaultRate, and a
// changed rate applies from this call's slot on) and returns how long to wait
// before sending (0 = now).
//
// It never blocks; the caller waits (or, in a job queue, snoozes the job).
// The reservation counts even if the caller then waits, so concurrent callers
// are spaced out correctly; a caller that gives up simply leaves its slot
// unused. The slot respects the sender's bucket and backoff and the pair's
// bucket and backoff, and messages to one recipient get slots in call order.
func (l *Limiter) Reserve(senderID int64, rate float64, recipient string) time.Duration {
	if !(rate > 0) {
		rate = DefaultRate
	}
	inc := interval(rate * l.pace)
	tau := (l.burst - 1) * inc
	now := l.now()

	l.mu.Lock()
	defer l.mu.Unlock()
	if now >= l.nextSweep {
		l.sweep(now)
	}
	s := l.sender(senderID, now)
	notBefore := now
	p := s.pairs[recipient] // nil map reads are fine
	if p == nil && l.pairTau >= 0 {
		p = &pair{}
		if s.pairs == nil {
			s.pairs = make(map[string]*pair)
		}
		s.pairs[recipient] = p
	}
	if p != nil {
		notBefore = p.ready(l.pairTau)
		p.lastUse = now
	}
	at := s.book(now, notBefore, inc, tau)
	if p != nil {
		p.take(at, l.pairInc, l.pairTau)
	}
	return time.Duration(at - now)
}

// Backoff makes every later Reserve for senderID wait until at least until
// (used when Meta answers 130429 and the like). A later until extends the
// backoff; an earlier one does nothing. The first send after a backoff
// starts with an empty bucket, so sending resumes evenly spaced rather than
// with a burst. Slots already handed out are not revoked.
func (l *Limiter) Backoff(senderID int64, until time.Time) {
	u, now := l.at(until), l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sender(senderID, now)
	if u > s.backoff {
		s.backoff, s.restart = u, true
	}
}

// BackoffPair does the same as Backoff for one recipient only (Meta's
// 131056, pair rate limit hit). It applies even when the pair limit is
// disabled, since Meta's answer is authoritative.
func (l *Limiter) BackoffPair(senderID int64, recipient string, until time.Time) {
	u, now := l.at(until), l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sender(senderID, now)
	p := s.pairs[recipient]
	if p == nil {
		p = &pair{}
		if s.pairs == nil {
			s.pairs = make(map[string]*pair)
		}
		s.pairs[recipient] = p
	}
	p.lastUse = now
	if u > p.backoff {
		p.backoff, p.restart = u, true
	}
}

// sender returns senderID's schedule, creating it on first use. Callers hold
// l.mu.
func (l *Limiter) sender(id int64, now int64) *schedule {
	s := l.senders[id]
	if s == nil {
		s = &schedule{}
		l.senders[id] = s
	}
	s.lastUse = now
	return s
}

// now is the current time in schedule units.
func (l *Limiter) now() int64 { return l.at(l.clock.Now()) }

// at converts t into schedule units (nanoseconds since l.base). Sub uses the
// monotonic readings when both times have one, and saturates instead of
// overflowing for absurd times.
func (l *Limiter) at(t time.Time) int64 { return int64(t.Sub(l.base)) }

// Free returns how long from now until senderID's next slot at the
// booking frontier (0 when it could send at once), booking nothing. The
// send dispatcher uses it to claim only what a sender can send soon.
func (l *Limiter) Free(senderID int64) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.senders[senderID]
	if !ok {
		return 0
	}
	next := max(s.backoff, s.tat-(l.burst-1)*s.lastInc)
	return time.Duration(max(next-now, 0))
}
