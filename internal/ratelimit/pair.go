package ratelimit

// pair is the bucket for one (sender, recipient) pair, mirroring Meta's pair
// limit (error 131056) so we hold a message back instead of having Meta
// reject it. Like schedule it is a GCRA: tat is the theoretical arrival time,
// interval inc = 1/PairRate, tolerance tau = (PairBurst-1)*inc. With Meta's
// defaults a recipient can take 45 messages at the sender's pace, after which
// the 46th goes 6 s after the first (the bucket gained back one token by
// then), and then one every 6 s.
type pair struct {
	tat     int64 // GCRA state; unused when the pair limit is disabled
	backoff int64 // no send to this recipient before this (Meta said 131056)
	restart bool  // the next send after a backoff starts with an empty bucket
	last    int64 // latest booked send, so messages to one recipient stay in order
	lastUse int64 // when the bucket was last touched, for idle eviction
}

// ready returns the earliest time the pair allows the next send. tau < 0
// means the pair limit is disabled and only backoff and ordering apply.
func (p *pair) ready(tau int64) int64 {
	r := max(p.backoff, p.last)
	if tau >= 0 {
		r = max(r, p.tat-tau)
	}
	return r
}

// take records a send booked at at.
func (p *pair) take(at, inc, tau int64) {
	p.last = at
	if tau < 0 {
		return
	}
	p.tat = max(p.tat, at) + inc
	if p.restart {
		// Meta has just throttled this pair: do not burst again right away.
		p.tat = max(p.tat, at+tau+inc)
		p.restart = false
	}
}

// idle reports whether the bucket can be forgotten at now: unused for ttl
// and holding nothing back, so a fresh bucket would behave the same.
func (p *pair) idle(now, ttl int64) bool {
	return now-p.lastUse >= ttl && p.tat <= now && p.backoff <= now && p.last <= now
}
