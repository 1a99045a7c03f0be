package forward_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/forward"
)

// TestBackoffGrowsToItsCapWithJitter: waits double from 30 s up to an
// hour, jitter spreads them by ± 20 %, and a longer Retry-After wins.
func TestBackoffGrowsToItsCapWithJitter(t *testing.T) {
	t.Parallel()
	p := forward.DefaultRetry
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		require.Equal(t, w, p.Delay(i+1, 0, nil), "attempt %d", i+1)
	}
	require.Equal(t, 24*time.Second, p.Delay(1, 0, func() float64 { return 0 }))
	require.Equal(t, 72*time.Minute, p.Delay(20, 0, func() float64 { return 1 }))
	require.Equal(t, 10*time.Minute, p.Delay(1, 10*time.Minute, nil), "Retry-After is never undercut")
}
