package ratelimit

import "slices"

// schedule is one sender's booked send slots: a token bucket in GCRA form
// (a theoretical arrival time, tat, instead of a token count) that books
// slots in the future rather than only admitting sends now.
//
// All times are nanoseconds since the Limiter was created. For interval inc
// (1/rate) and tolerance tau ((burst-1)*inc), a sequence of sends is allowed
// when, taken in time order, every send at t satisfies t >= tat-tau and then
// moves tat to max(tat, t)+inc.
//
// Most messages go at the frontier: the earliest slot the bucket allows. A
// message that must go later (its recipient's pair limit is exhausted) is
// booked at that later time in ahead instead of moving the frontier there,
// because otherwise one chatty recipient would stall the whole sender. The
// frontier then fills the gaps around such bookings, checking that the whole
// sequence still conforms, so late messages count against the sender's
// throughput exactly like the others.
type schedule struct {
	tat     int64 // GCRA state after every booking up to the frontier
	lastInc int64 // interval the latest frontier booking added to tat
	booked  bool  // lastInc is meaningful

	// ahead holds the bookings beyond the frontier, sorted by time. It is
	// short in practice: only pair-delayed messages land here, and they move
	// into tat as soon as the frontier reaches them.
	ahead []booking

	backoff int64 // no new booking before this (Meta said 130429)
	restart bool  // the next frontier booking starts with an empty bucket

	gate gate // admissions in the last window (gate.go)

	pairs   map[string]*pair // per-recipient buckets, created lazily
	lastUse int64            // for idle eviction of the schedule itself
}

// booking is a send booked beyond the frontier, with the interval that was in
// force for it (the rate may change before the frontier reaches it).
type booking struct{ at, inc int64 }

// book reserves the earliest slot at or after notBefore (and now, and the
// sender's backoff) that keeps this sender's bookings conforming with
// interval inc and tolerance tau, and returns it.
func (s *schedule) book(now, notBefore, inc, tau int64) int64 {
	if s.booked && inc != s.lastInc {
		// A changed rate applies from this booking: re-price the gap after
		// the previous one at the new interval.
		s.tat += inc - s.lastInc
		s.lastInc = inc
	}
	lo := max(now, s.backoff)
	notBefore = max(notBefore, lo)
	for {
		c := max(lo, s.tat-tau) // frontier: earliest slot the bucket allows
		if len(s.ahead) > 0 && s.ahead[0].at <= c {
			lo = max(lo, s.absorb())
			continue
		}
		if c < notBefore {
			return s.bookAhead(notBefore, inc, tau)
		}
		after := max(s.tat, c) + inc
		if s.restart {
			// After a Backoff Meta has just throttled us: resume evenly
			// spaced rather than with a burst.
			after = max(after, c+tau+inc)
		}
		if !s.fits(after, tau, 0) {
			// Booking c would push a later booking out of conformance, and
			// any later slot before it would too (tat only grows): move the
			// frontier past it.
			lo = max(lo, s.absorb())
			continue
		}
		s.tat, s.lastInc, s.booked, s.restart = after, inc, true, false
		return c
	}
}

// absorb moves the first ahead booking into the frontier state and returns
// its time, which later frontier bookings must not precede (GCRA processes
// sends in time order).
func (s *schedule) absorb() int64 {
	b := s.ahead[0]
	s.tat = max(s.tat, b.at) + b.inc
	s.ahead = s.ahead[1:]
	if len(s.ahead) == 0 {
		s.ahead = nil // let the backing array go
	}
	return b.at
}

// fits reports whether the ahead bookings from index i still conform when
// the GCRA state before them is run. It stops at the first booking that finds
// the bucket idle (at >= run): from there on the state no longer depends on
// what came before.
func (s *schedule) fits(run, tau int64, i int) bool {
	for ; i < len(s.ahead); i++ {
		b := s.ahead[i]
		if b.at >= run {
			return true
		}
		if b.at < run-tau {
			return false
		}
		run += b.inc
	}
	return true
}

// bookAhead books the earliest conforming slot at or after x, which lies
// beyond the frontier, into ahead and returns it.
func (s *schedule) bookAhead(x, inc, tau int64) int64 {
	run, i := s.tat, 0
	for {
		for i < len(s.ahead) && s.ahead[i].at <= x {
			run = max(run, s.ahead[i].at) + s.ahead[i].inc
			i++
		}
		if x < run-tau {
			x = run - tau
			continue
		}
		if s.fits(max(run, x)+inc, tau, i) {
			s.ahead = slices.Insert(s.ahead, i, booking{at: x, inc: inc})
			return x
		}
		// fits only fails on a booking at index i or later, so one exists;
		// no slot before it works either (the state only grows).
		x = s.ahead[i].at
	}
}

// idle reports whether the schedule holds nothing back at now, so dropping
// it and starting afresh later would change nothing.
func (s *schedule) idle(now int64) bool {
	return len(s.ahead) == 0 && len(s.pairs) == 0 && s.tat <= now && s.backoff <= now
}
