package campaign_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// TestRunHandsBackOnStop: a run would go on for a minute between
// snoozes, and River's stop waits for it. Stop makes it give up its lease
// and snooze at its next round, so a shutdown is not held and another
// instance takes the campaign at once.
func TestRunHandsBackOnStop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		for i := 1; i <= 50; i++ {
			e.contact(t, phoneN(i), "C", nil, nil)
		}
		svc := campaign.New(campaign.Options{DB: db, Accounts: e.accounts, Outbox: e.outbox, Now: e.clock.Now, Tick: 20 * time.Millisecond})
		c := e.draft(t, campaign.Audience{Kind: "contacts"}, nameMapping)
		e.started(t, c, phoneN(1))
		done := make(chan error, 1)
		go func() { done <- svc.Run(ctx, c.ID, 7) }()
		lease := func() (until, job int64) {
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT lease_until, lease_job FROM campaigns WHERE id = ?`, c.ID).Scan(&until, &job))
			return until, job
		}
		require.Eventually(t, func() bool { _, job := lease(); return job == 7 }, 10*time.Second, 10*time.Millisecond, "the run holds the lease")
		svc.Stop()
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after Stop")
		}
		var snooze *river.JobSnoozeError
		require.True(t, errors.As(err, &snooze), "snoozed, not failed: %v", err)
		until, job := lease()
		require.Zero(t, until, "the lease is handed back")
		require.Zero(t, job)
		got, err := svc.Get(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, campaign.StatusRunning, got.Status, "still running: the next runner continues it")
	})
}
