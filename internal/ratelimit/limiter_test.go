package ratelimit

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// maxInWindow returns the most sends any half-open window [t, t+w) holds,
// the way a simulator counting sends per sliding window sees them.
func maxInWindow(sends []time.Time, w time.Duration) int {
	s := sortedTimes(sends)
	best, j := 0, 0
	for i := range s {
		for s[i].Sub(s[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

func sortedTimes(ts []time.Time) []time.Time {
	s := append([]time.Time(nil), ts...)
	sort.Slice(s, func(i, j int) bool { return s[i].Before(s[j]) })
	return s
}

func TestReserveHoldsRateWithin2Percent(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk})
	start := clk.Now()

	sends := make([]time.Time, 0, 1000)
	for i := range 1000 {
		sends = append(sends, clk.at(l.Reserve(1, 50, fmt.Sprintf("+5511%08d", i))))
	}
	for i, s := range sends {
		require.Equal(t, time.Duration(i)*20*time.Millisecond, s.Sub(start), "send %d", i)
	}
	span := sends[len(sends)-1].Sub(sends[0])
	require.Equal(t, 19980*time.Millisecond, span)
	measured := float64(len(sends)) / span.Seconds()
	require.InEpsilon(t, 50.0, measured, 0.02)
	require.LessOrEqual(t, maxInWindow(sends, time.Second), 50)
}

func TestReserveWithTimePassingHoldsRate(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk})

	// Callers arrive faster than the rate, in uneven clumps.
	var sends []time.Time
	for i := range 1000 {
		if i%7 == 0 {
			clk.Advance(time.Duration(i%13) * 11 * time.Millisecond)
		}
		sends = append(sends, clk.at(l.Reserve(1, 50, fmt.Sprint(i))))
	}
	require.LessOrEqual(t, maxInWindow(sends, time.Second), 50)
	s := sortedTimes(sends)
	for i := 1; i < len(s); i++ {
		require.GreaterOrEqual(t, s[i].Sub(s[i-1]), 20*time.Millisecond)
	}
}

func TestReserveNowWhenIdle(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk})
	require.Zero(t, l.Reserve(1, 50, "a"))
	require.Equal(t, 20*time.Millisecond, l.Reserve(1, 50, "b"))
	clk.Advance(time.Second)
	require.Zero(t, l.Reserve(1, 50, "c"), "an idle sender sends at once")
}

func TestRateChangeAppliesFromNextReservation(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk})
	for i := range 10 {
		require.Equal(t, time.Duration(i)*20*time.Millisecond, l.Reserve(1, 50, fmt.Sprint(i)))
	}
	// Down to 10/s: the very next gap is 100ms.
	require.Equal(t, 280*time.Millisecond, l.Reserve(1, 10, "x"))
	require.Equal(t, 380*time.Millisecond, l.Reserve(1, 10, "y"))
	// Up to 100/s: the very next gap is 10ms.
	require.Equal(t, 390*time.Millisecond, l.Reserve(1, 100, "z"))
	require.Equal(t, 400*time.Millisecond, l.Reserve(1, 100, "w"))
}

func TestMissingRateMeansMetaDefault(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk})
	require.Zero(t, l.Reserve(1, 0, "a"))
	require.Equal(t, 12500*time.Microsecond, l.Reserve(1, 0, "b"))
	require.Equal(t, 25*time.Millisecond, l.Reserve(1, -3, "c"))
}

func TestSendersAreIndependent(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk})
	for i := range 20 {
		require.Equal(t, time.Duration(i)*20*time.Millisecond, l.Reserve(1, 50, fmt.Sprint(i)))
		require.Equal(t, time.Duration(i)*100*time.Millisecond, l.Reserve(2, 10, fmt.Sprint(i)))
	}
	l.Backoff(1, clk.Now().Add(time.Minute))
	require.Equal(t, 2*time.Second, l.Reserve(2, 10, "x"), "sender 1's backoff leaves sender 2 alone")
	// The same recipient under two senders is two different pairs.
	l2 := New(Options{Headroom: NoHeadroom, Clock: clk, PairBurst: 1})
	require.Zero(t, l2.Reserve(1, 50, "r"))
	require.Zero(t, l2.Reserve(2, 50, "r"))
}

func TestBurstOption(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk, Burst: 5})
	for i := range 5 {
		require.Zero(t, l.Reserve(1, 50, fmt.Sprint(i)))
	}
	require.Equal(t, 20*time.Millisecond, l.Reserve(1, 50, "x"))
	require.Equal(t, 40*time.Millisecond, l.Reserve(1, 50, "y"))
}

func TestConcurrentReserveGivesDistinctSlots(t *testing.T) {
	t.Parallel()
	clk := newFakeClock() // frozen: every caller sees the same now
	l := New(Options{Headroom: NoHeadroom, Clock: clk})

	const n = 50
	waits := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { waits[i] = l.Reserve(7, 50, fmt.Sprint(i)) })
	}
	wg.Wait()

	seen := make(map[time.Duration]bool, n)
	for _, w := range waits {
		require.False(t, seen[w], "slot %v handed out twice", w)
		seen[w] = true
	}
	for i := range n {
		require.True(t, seen[time.Duration(i)*20*time.Millisecond], "slot %d missing", i)
	}
}

func TestFreeReportsNextSlotWithoutBooking(t *testing.T) {
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk, PairRate: NoPairLimit})
	require.Zero(t, l.Free(1), "an unknown sender is free")
	require.Zero(t, l.Reserve(1, 10, "a"))
	require.Equal(t, 100*time.Millisecond, l.Free(1), "10/s: the next slot is 100ms away")
	require.Equal(t, 100*time.Millisecond, l.Free(1), "asking books nothing")
	require.Equal(t, 100*time.Millisecond, l.Reserve(1, 10, "b"))
	require.Equal(t, 200*time.Millisecond, l.Free(1))
	clk.Advance(250 * time.Millisecond)
	require.Zero(t, l.Free(1), "the slots have passed")
	l.Backoff(1, clk.at(3*time.Second))
	require.Equal(t, 3*time.Second, l.Free(1), "a backoff Meta asked for")
}
