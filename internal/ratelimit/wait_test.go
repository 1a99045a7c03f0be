package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWaitPacesWithRealTimers(t *testing.T) {
	t.Parallel()
	l := New(Options{}) // real clock
	start := time.Now()
	for range 5 {
		require.NoError(t, l.Wait(context.Background(), 1, 100, "a"))
	}
	// Slots at 0, 10, 20, 30, 40ms.
	require.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)
}

func TestWaitHonoursContext(t *testing.T) {
	t.Parallel()
	l := New(Options{})
	l.Backoff(1, time.Now().Add(time.Hour))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, l.Wait(ctx, 1, 50, "a"), context.Canceled)

	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	require.ErrorIs(t, l.Wait(ctx, 1, 50, "a"), context.DeadlineExceeded, "slot is past the deadline")
	require.Less(t, time.Since(start), time.Second, "gave up without sleeping")

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	require.NoError(t, l.Wait(ctx, 2, 0.01, "a")) // first slot is immediate
	require.ErrorIs(t, l.Wait(ctx, 2, 0.01, "b"), context.Canceled)
}
