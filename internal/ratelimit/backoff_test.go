package ratelimit

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoffDelaysWholeSender(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk})
	for i := range 3 {
		l.Reserve(1, 50, fmt.Sprint(i))
	}
	l.Backoff(1, clk.Now().Add(5*time.Second))
	require.Equal(t, 5*time.Second, l.Reserve(1, 50, "a"))
	require.Equal(t, 5*time.Second+20*time.Millisecond, l.Reserve(1, 50, "b"))

	// An earlier backoff does not shorten it...
	l.Backoff(1, clk.Now().Add(time.Second))
	require.Equal(t, 5*time.Second+40*time.Millisecond, l.Reserve(1, 50, "c"))

	// ...a later one extends it.
	l.Backoff(1, clk.Now().Add(8*time.Second))
	require.Equal(t, 8*time.Second, l.Reserve(1, 50, "d"))
	require.Equal(t, 8*time.Second+20*time.Millisecond, l.Reserve(1, 50, "e"))

	clk.Advance(10 * time.Second)
	require.Zero(t, l.Reserve(1, 50, "f"), "backoff over")
}

func TestBackoffResumesWithoutBurst(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk, Burst: 10})
	for i := range 10 {
		require.Zero(t, l.Reserve(1, 50, fmt.Sprint(i)))
	}
	l.Backoff(1, clk.Now().Add(5*time.Second))
	clk.Advance(5 * time.Second) // bucket long refilled, but Meta throttled us
	require.Zero(t, l.Reserve(1, 50, "a"))
	require.Equal(t, 20*time.Millisecond, l.Reserve(1, 50, "b"))
	require.Equal(t, 40*time.Millisecond, l.Reserve(1, 50, "c"))
}

func TestBackoffPairOnlyDelaysThatRecipient(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk, PairRate: NoPairLimit})
	l.BackoffPair(1, "a", clk.Now().Add(30*time.Second))
	l.BackoffPair(1, "a", clk.Now().Add(10*time.Second)) // earlier: no effect
	require.Equal(t, 30*time.Second, l.Reserve(1, 50, "a"), "honoured even with the pair limit off")
	require.Zero(t, l.Reserve(1, 50, "b"), "other recipients are not held up")
	require.Equal(t, 20*time.Millisecond, l.Reserve(1, 50, "c"))
	require.Equal(t, 30*time.Second+20*time.Millisecond, l.Reserve(1, 50, "a"))
}

func TestBackoffPairRestartsPairBucketEmpty(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk})
	require.Zero(t, l.Reserve(1, 50, "a"))
	l.BackoffPair(1, "a", clk.Now().Add(time.Minute))
	require.Equal(t, time.Minute, l.Reserve(1, 50, "a"))
	require.Equal(t, time.Minute+6*time.Second, l.Reserve(1, 50, "a"), "one per 6 s after a 131056, no burst")
}
