package ratelimit

import (
	"context"
	"time"
)

// Wait is a convenience for in-process callers: it reserves a slot like
// Reserve and sleeps until it, returning early with ctx's error if ctx ends
// first (or immediately when ctx's deadline falls before the slot, since
// waiting could not help). The slot stays booked either way, exactly as with
// Reserve. Wait sleeps on real timers whatever the Clock; tests use Reserve
// with a fake clock.
func (l *Limiter) Wait(ctx context.Context, senderID int64, rate float64, recipient string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := l.Reserve(senderID, rate, recipient)
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.DeadlineExceeded
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
