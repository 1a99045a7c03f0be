package messaging

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy says when a retryable send is tried again (F15).
type RetryPolicy struct {
	Wait        time.Duration // before the first retry; default 1 minute
	Backoff     float64       // each retry waits this many times longer; default 2
	MaxWait     time.Duration // cap; default 30 minutes
	Jitter      float64       // ± fraction of the wait, so retries spread; default 0.1
	MaxAttempts int           // attempts in all, the first included; default 5
}

// DefaultRetryPolicy is "wait 1 minute, retry", growing gently.
var DefaultRetryPolicy = RetryPolicy{Wait: time.Minute, Backoff: 2, MaxWait: 30 * time.Minute, Jitter: 0.1, MaxAttempts: 5}

// Delay is how long to wait after attempt number attempt (1-based) failed.
// hint is Meta's own retry hint (0 = none); the delay is never shorter.
// r draws the jitter in [0,1); pass nil for none (tests).
func (p RetryPolicy) Delay(attempt int, hint time.Duration, r func() float64) time.Duration {
	d := float64(p.Wait)
	for i := 1; i < attempt; i++ {
		d *= p.Backoff
		if p.MaxWait > 0 && d > float64(p.MaxWait) {
			d = float64(p.MaxWait)
			break
		}
	}
	if r != nil && p.Jitter > 0 {
		d += d * p.Jitter * (2*r() - 1)
		if p.MaxWait > 0 {
			d = min(d, float64(p.MaxWait)) // jitter spreads retries, never past the cap
		}
	}
	if out := time.Duration(d); out > hint {
		return out
	}
	return hint
}

// jitter is the production random source.
func jitter() float64 { return rand.Float64() }
