package ratelimit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// conforms checks, independently of schedule's bookkeeping, that sends taken
// in time order never exceed a token bucket with the given rate and burst:
// GCRA with interval inc and tolerance (burst-1)*inc.
func conforms(t *testing.T, name string, sends []time.Duration, inc time.Duration, burst int) {
	t.Helper()
	s := slices.Clone(sends)
	slices.Sort(s)
	tau := time.Duration(burst-1) * inc
	var tat time.Duration = -1 << 62
	for i, at := range s {
		require.GreaterOrEqual(t, at, tat-tau, "%s: send %d at %v exceeds the bucket", name, i, at)
		tat = max(tat, at) + inc
	}
}

// TestRandomWorkloadConforms throws skewed traffic (a few chatty recipients
// among many, clumped arrivals, backoffs) at a limiter and checks every
// sender and every pair schedule against an independent token bucket.
func TestRandomWorkloadConforms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ burst, pairBurst int }{{1, 45}, {1, 3}, {4, 5}, {10, 1}} {
		t.Run(fmt.Sprintf("burst%d_pair%d", tc.burst, tc.pairBurst), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(tc.burst), uint64(tc.pairBurst)))
			clk := newFakeClock()
			start := clk.Now()
			const pairRate = 2.0 // fast enough that pair delays are frequent
			l := New(Options{Headroom: NoHeadroom, Clock: clk, Burst: tc.burst, PairRate: pairRate, PairBurst: tc.pairBurst})
			rates := map[int64]float64{1: 50, 2: 80, 3: 7}

			senderSends := map[int64][]time.Duration{}
			pairSends := map[string][]time.Duration{}
			for i := range 20000 {
				if rng.IntN(10) == 0 {
					clk.Advance(time.Duration(rng.IntN(300)) * time.Millisecond)
				}
				sender := int64(1 + rng.IntN(3))
				rcpt := fmt.Sprint("r", rng.IntN(5)) // chatty
				if rng.IntN(2) == 0 {
					rcpt = fmt.Sprint("q", rng.IntN(1000))
				}
				if i%2500 == 0 {
					l.Backoff(sender, clk.Now().Add(time.Duration(rng.IntN(3000))*time.Millisecond))
				}
				at := clk.Now().Sub(start) + l.Reserve(sender, rates[sender], rcpt)
				senderSends[sender] = append(senderSends[sender], at)
				k := fmt.Sprint(sender, "/", rcpt)
				require.True(t, len(pairSends[k]) == 0 || at >= pairSends[k][len(pairSends[k])-1], "order to %s", k)
				pairSends[k] = append(pairSends[k], at)
			}
			for id, s := range senderSends {
				conforms(t, fmt.Sprint("sender ", id), s, time.Duration(interval(rates[id])), tc.burst)
			}
			for k, s := range pairSends {
				conforms(t, "pair "+k, s, time.Duration(interval(pairRate)), tc.pairBurst)
			}
		})
	}
}
