package sandbox

import "time"

// slidingWindow models a number's throughput: a token bucket holding one
// second's worth of sends and refilled at the number's rate. Meta states
// throughput as messages per second; a client that paces itself at exactly
// that rate, with the small jitter real networks add, is not throttled,
// while one that sends faster on average, or more than a second's worth at
// once, gets 130429. (An exact sliding one-second log would reject a
// well-paced client whenever two sends arrive a millisecond closer than
// their spacing.)
type slidingWindow struct {
	tokens float64
	last   time.Time
	primed bool
}

// allows reports whether one more send fits under limit per second at now.
// It does not record the send.
func (w *slidingWindow) allows(now time.Time, limit int) bool {
	if !w.primed {
		w.tokens, w.last, w.primed = float64(limit), now, true
	}
	if el := now.Sub(w.last); el > 0 {
		w.tokens = min(float64(limit), w.tokens+el.Seconds()*float64(limit))
		w.last = now
	}
	return w.tokens >= 1
}

// record counts a send at now.
func (w *slidingWindow) record(time.Time) { w.tokens-- }

// Meta's pair rate: one message per 6 seconds to the same user, with bursts
// of up to 45 that borrow future quota.
const (
	pairBurst    = 45
	pairInterval = 6 * time.Second
)

// tokenBucket models the business→user pair rate limit (131056).
type tokenBucket struct {
	tokens float64
	last   time.Time
}

func newTokenBucket(now time.Time) *tokenBucket {
	return &tokenBucket{tokens: pairBurst, last: now}
}

// allows refills by elapsed time and reports whether a token is available.
func (b *tokenBucket) allows(now time.Time) bool {
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(pairBurst, b.tokens+el.Seconds()/pairInterval.Seconds())
		b.last = now
	}
	return b.tokens >= 1
}

// take consumes one token (call after allows returned true).
func (b *tokenBucket) take() { b.tokens-- }
