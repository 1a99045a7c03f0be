package sandbox

import "time"

// slidingWindow counts accepted sends in the last second. Meta limits each
// business number to its throughput (80 mps by default) and answers 130429
// beyond it; a sliding one-second log reproduces that without bursts that a
// fixed window would allow at second boundaries.
type slidingWindow struct {
	times []time.Time
}

// allows reports whether one more send fits under limit per second at now,
// after dropping entries older than a second. It does not record the send.
func (w *slidingWindow) allows(now time.Time, limit int) bool {
	cut := 0
	for cut < len(w.times) && !w.times[cut].After(now.Add(-time.Second)) {
		cut++
	}
	w.times = w.times[cut:]
	return len(w.times) < limit
}

// record counts a send at now.
func (w *slidingWindow) record(now time.Time) { w.times = append(w.times, now) }

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
