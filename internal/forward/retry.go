package forward

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says when a delivery that failed in a retryable way is
// tried again.
type RetryPolicy struct {
	// First is the wait after the first failed attempt; each further one
	// waits Factor times longer, up to Max.
	First  time.Duration
	Factor float64
	Max    time.Duration
	// Jitter spreads retries by ± this fraction of the wait, so a
	// recovering endpoint is not hit by every delivery at once.
	Jitter float64
	// Window is how long after its first attempt a delivery is retried;
	// a failure after that fails it for good.
	Window time.Duration
}

// DefaultRetry: 30 s, 1 min, 2 min… up to an hour between tries, ± 20 %,
// for 24 hours.
var DefaultRetry = RetryPolicy{First: 30 * time.Second, Factor: 2, Max: time.Hour, Jitter: 0.2, Window: 24 * time.Hour}

// Delay is the wait after failed attempt number attempt (1-based); the
// endpoint's Retry-After (hint, 0 for none) is never undercut. r draws the
// jitter in [0,1); nil means none.
func (p RetryPolicy) Delay(attempt int, hint time.Duration, r func() float64) time.Duration {
	d := float64(p.First)
	for i := 1; i < attempt && (p.Max <= 0 || d < float64(p.Max)); i++ {
		d *= p.Factor
	}
	if p.Max > 0 {
		d = min(d, float64(p.Max))
	}
	if r != nil && p.Jitter > 0 {
		d += d * p.Jitter * (2*r() - 1)
	}
	return max(time.Duration(d), hint)
}

// retryAfter reads a Retry-After header: seconds or an HTTP date (0 when
// absent or unreadable). It is capped at a day, the retry window.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(h); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), 24*time.Hour)
}

func jitter() float64 { return rand.Float64() }
