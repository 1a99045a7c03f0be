package flow

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func newTestService(t *testing.T, db store.DB, now *time.Time) *Service {
	t.Helper()
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(t, err)
	s := NewService(ServiceOptions{DB: db, Queue: q})
	s.Register(workers) // never started: the test applies inputs itself
	s.SetClock(func() time.Time { return *now })
	return s
}

func setFlow(value string) Flow {
	return Flow{Name: "edit me", Enabled: true, Trigger: Trigger{Type: TriggerEvent, Event: "e"}, Steps: []Step{
		{ID: "wait", Type: StepDelay, Duration: "1h"},
		{ID: "mark", Type: StepSetVariables, Set: map[string]string{"v": value}},
	}}
}

// Editing a flow while a run waits: the run finishes on the version it
// started with; new runs take the new version. Also: a stale wake-up does
// nothing, and an event's idempotency key starts nothing the second time.
func TestEditingAFlowKeepsRunsInFlight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		s := newTestService(t, db, &now)
		rec, err := s.Create(ctx, setFlow("one"))
		require.NoError(t, err)
		require.Equal(t, 1, rec.Version)

		res, err := s.Event(ctx, "e", map[string]any{"k": "v"}, "key-1")
		require.NoError(t, err)
		require.Len(t, res.RunIDs, 1)
		first := res.RunIDs[0]
		again, err := s.Event(ctx, "e", nil, "key-1")
		require.NoError(t, err)
		require.True(t, again.Duplicate)
		require.Equal(t, res.RunIDs, again.RunIDs)

		rec, err = s.Update(ctx, rec.ID, setFlow("two"))
		require.NoError(t, err)
		require.Equal(t, 2, rec.Version)
		res, err = s.Event(ctx, "e", nil, "key-2")
		require.NoError(t, err)
		second := res.RunIDs[0]

		wake := func(id int64, key string) bool {
			var changed bool
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) (err error) {
				_, changed, err = s.apply(ctx, tx, id, Input{Kind: InputWake, Now: now, Key: key})
				return err
			}))
			return changed
		}
		run, err := s.GetRun(ctx, first)
		require.NoError(t, err)
		require.Equal(t, StatusWaiting, run.Status)
		require.False(t, wake(first, "wait:1:1"), "too early: nothing happens")
		now = now.Add(time.Hour)
		require.False(t, wake(first, "other:1:1"), "a stale key does nothing")
		require.True(t, wake(first, "wait:1:1"))
		require.False(t, wake(first, "wait:1:1"), "a repeated wake-up does nothing")
		require.True(t, wake(second, "wait:1:1"))

		run, err = s.GetRun(ctx, first)
		require.NoError(t, err)
		require.Equal(t, StatusCompleted, run.Status)
		require.Equal(t, 1, run.FlowVersion)
		require.Equal(t, "one", run.Vars["v"])
		run, err = s.GetRun(ctx, second)
		require.NoError(t, err)
		require.Equal(t, 2, run.FlowVersion)
		require.Equal(t, "two", run.Vars["v"])

		// Disabled: events start nothing.
		_, err = s.SetEnabled(ctx, rec.ID, false)
		require.NoError(t, err)
		res, err = s.Event(ctx, "e", nil, "")
		require.NoError(t, err)
		require.Empty(t, res.RunIDs)

		// Export → import with replace round-trips into a new version.
		out, err := s.ExportFlow(ctx, rec.ID, YAML)
		require.NoError(t, err)
		rec2, err := s.Import(ctx, out, YAML, true)
		require.NoError(t, err)
		require.Equal(t, rec.ID, rec2.ID)
		require.Equal(t, 3, rec2.Version)
		out2, err := s.ExportFlow(ctx, rec.ID, YAML)
		require.NoError(t, err)
		require.Equal(t, string(out), string(out2))
		_, err = s.Import(ctx, out, YAML, false)
		require.Error(t, err, "same name without replace is a conflict")
	})
}
