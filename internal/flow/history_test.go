package flow

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// TestHistoryVersionsCountsAndSearch shows a flow's versions read back
// newest first with their definitions, the day's run counts come per
// flow with failures apart, and runs are found by contact phone and
// start time.
func TestHistoryVersionsCountsAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		s := newTestService(t, db, &now)
		rec, err := s.Create(ctx, setFlow("one"))
		require.NoError(t, err)
		_, err = s.Update(ctx, rec.ID, setFlow("two"))
		require.NoError(t, err)
		vs, err := s.Versions(ctx, rec.ID)
		require.NoError(t, err)
		require.Equal(t, []int{2, 1}, []int{vs[0].Version, vs[1].Version})
		v1, err := s.Version(ctx, rec.ID, 1)
		require.NoError(t, err)
		require.Equal(t, "one", v1.Steps[1].Set["v"])
		_, err = s.Version(ctx, rec.ID, 9)
		require.Error(t, err)

		yesterday, err := s.TestRun(ctx, rec.ID, TestRunRequest{To: "+5511911110000"})
		require.NoError(t, err)
		now = now.Add(24 * time.Hour)
		a, err := s.TestRun(ctx, rec.ID, TestRunRequest{To: "+5511922220000"})
		require.NoError(t, err)
		b, err := s.TestRun(ctx, rec.ID, TestRunRequest{To: "+5511933330000"})
		require.NoError(t, err)
		_, err = s.Cancel(ctx, b)
		require.NoError(t, err)
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE flow_runs SET status = 'failed' WHERE id = ?`, a)
			return err
		}))

		counts, err := s.RunCountsSince(ctx, now.Add(-time.Hour))
		require.NoError(t, err)
		require.Equal(t, map[int64]RunCounts{rec.ID: {Runs: 2, Failed: 1}}, counts)

		found, err := s.SearchRuns(ctx, RunSearch{Phone: "+5511922220000"})
		require.NoError(t, err)
		require.Len(t, found, 1)
		require.Equal(t, a, found[0].ID)
		found, err = s.SearchRuns(ctx, RunSearch{Phone: "+55119"})
		require.NoError(t, err)
		require.Empty(t, found, "a phone matches whole")
		found, err = s.SearchRuns(ctx, RunSearch{To: now.Add(-time.Hour)})
		require.NoError(t, err)
		require.Len(t, found, 1)
		require.Equal(t, yesterday, found[0].ID)
		found, err = s.SearchRuns(ctx, RunSearch{From: now.Add(-time.Hour), RunFilter: RunFilter{Status: StatusCancelled}})
		require.NoError(t, err)
		require.Len(t, found, 1)
		require.Equal(t, b, found[0].ID)
	})
}
