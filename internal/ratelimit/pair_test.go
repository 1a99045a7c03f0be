package ratelimit

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPairLimit(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk})

	// 45 messages to one recipient go at the sender's pace (20ms apart).
	for i := range 45 {
		require.Equal(t, time.Duration(i)*20*time.Millisecond, l.Reserve(1, 50, "a"), "msg %d", i)
	}
	// The bucket is empty after the 45th send (at 0.88s), having regained
	// 0.88/6 of a token. The 46th needs a whole one: (1-0.88/6)*6s = 5.12s
	// later, i.e. 6s after the first send.
	require.Equal(t, 6*time.Second, l.Reserve(1, 50, "a"))
	require.Equal(t, 12*time.Second, l.Reserve(1, 50, "a"), "then one every 6 s")

	// Another recipient is unaffected: it takes the sender's next slot.
	require.Equal(t, 900*time.Millisecond, l.Reserve(1, 50, "b"))
	require.Equal(t, 920*time.Millisecond, l.Reserve(1, 50, "c"))
}

func TestPairDelayedSendsStillCountAgainstSender(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk})
	start := clk.Now()

	var sends []time.Time
	for range 46 { // the 46th is booked at 6s
		sends = append(sends, clk.at(l.Reserve(1, 50, "a")))
	}
	// Fill the sender past 6s with other recipients: the slot at 6s is
	// already taken, so nothing else lands within 20ms of it.
	for i := range 400 {
		sends = append(sends, clk.at(l.Reserve(1, 50, fmt.Sprint(i))))
	}
	s := sortedTimes(sends)
	for i := 1; i < len(s); i++ {
		require.GreaterOrEqual(t, s[i].Sub(s[i-1]), 20*time.Millisecond, "sends %v and %v", s[i-1].Sub(start), s[i].Sub(start))
	}
	require.LessOrEqual(t, maxInWindow(sends, time.Second), 50)
}

func TestPairLimitDisabled(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk, PairRate: NoPairLimit})
	for i := range 100 {
		require.Equal(t, time.Duration(i)*20*time.Millisecond, l.Reserve(1, 50, "a"))
	}
	require.Zero(t, l.pairs(), "no buckets kept when disabled")
}

func TestZeroPairRateMeansDefault(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk, PairRate: 0, PairBurst: 2})
	require.Zero(t, l.Reserve(1, 50, "a"))
	require.Equal(t, 20*time.Millisecond, l.Reserve(1, 50, "a"))
	require.Equal(t, 6*time.Second, l.Reserve(1, 50, "a"))
}

func TestMessagesToOneRecipientStayInOrder(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := New(Options{Headroom: NoHeadroom, Clock: clk, PairBurst: 3})
	var last time.Duration = -1
	for i := range 20 {
		if i%4 == 0 {
			l.Reserve(1, 50, fmt.Sprint("other", i))
		}
		w := l.Reserve(1, 50, "a")
		require.Greater(t, w, last)
		last = w
	}
}
