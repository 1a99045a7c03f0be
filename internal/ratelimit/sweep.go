package ratelimit

// Idle eviction keeps memory bounded by the recipients a sender messaged
// recently, not by every recipient ever: a broadcast to a million contacts
// must not leave a million pair buckets behind. A bucket is dropped only once
// it is full again and unused for IdleTTL, because then a fresh bucket would
// behave identically and dropping it cannot let a send through early.
//
// Eviction runs inside Reserve every IdleTTL/8, so a bucket lives at most
// about 1.125 x IdleTTL past its last use (longer only while it still holds
// something back). Sweeping everything at once is O(buckets) but amortised
// over IdleTTL/8 of traffic it costs next to nothing per call.

// sweepEvery is the interval between sweeps, in ns.
func (l *Limiter) sweepEvery() int64 { return max(l.ttl/8, 1) }

// sweep drops idle pair buckets and then idle senders. Callers hold l.mu.
func (l *Limiter) sweep(now int64) {
	l.nextSweep = now + l.sweepEvery()
	for id, s := range l.senders {
		for r, p := range s.pairs {
			if p.idle(now, l.ttl) {
				delete(s.pairs, r)
			}
		}
		if len(s.pairs) == 0 {
			s.pairs = nil // a map never shrinks; let it go
		}
		if now-s.lastUse >= l.ttl && s.idle(now) && s.gate.idle(now, l.window) {
			delete(l.senders, id)
		}
	}
}

// pairs counts the pair buckets held, for tests of the memory bound.
func (l *Limiter) pairs() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.senders {
		n += len(s.pairs)
	}
	return n
}

// senderCount counts the sender schedules held, for tests of the memory
// bound.
func (l *Limiter) senderCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.senders)
}
