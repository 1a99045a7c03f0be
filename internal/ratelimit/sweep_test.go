package ratelimit

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestIdlePairBucketsAreDropped(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk, IdleTTL: time.Minute})
	for i := range 100 {
		l.Reserve(1, 50, fmt.Sprint(i))
	}
	require.Equal(t, 100, l.pairs())

	clk.Advance(50 * time.Second)
	l.Reserve(2, 50, "x")
	require.Equal(t, 101, l.pairs(), "not idle for IdleTTL yet")

	clk.Advance(70 * time.Second) // 2 min after sender 1, 70 s after sender 2
	l.Reserve(3, 50, "y")
	require.Equal(t, 1, l.pairs(), "only the bucket just used survives")
	require.Equal(t, 1, l.senderCount(), "idle senders go too")
}

func TestBucketStillHoldingBackIsKept(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	// One message per 10 min, burst 2: after two sends the bucket is only
	// full again after 20 min, well past IdleTTL.
	l := New(Options{Headroom: NoHeadroom, Clock: clk, IdleTTL: time.Minute, PairRate: 1.0 / 600, PairBurst: 2})
	require.Zero(t, l.Reserve(1, 50, "a"))
	require.Equal(t, 20*time.Millisecond, l.Reserve(1, 50, "a"))

	clk.Advance(5 * time.Minute)
	l.Reserve(2, 50, "x") // triggers a sweep
	require.Equal(t, 2, l.pairs())
	require.Equal(t, 5*time.Minute, l.Reserve(1, 50, "a"), "the limit survived the sweep")
}

func TestBackoffStateIsKeptUntilOver(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk, IdleTTL: time.Minute, PairRate: NoPairLimit})
	l.Backoff(1, clk.Now().Add(time.Hour))
	l.BackoffPair(2, "a", clk.Now().Add(time.Hour))
	clk.Advance(30 * time.Minute)
	l.Reserve(3, 50, "x")
	require.Equal(t, 30*time.Minute, l.Reserve(1, 50, "b"))
	require.Equal(t, 30*time.Minute, l.Reserve(2, 50, "a"))
}
