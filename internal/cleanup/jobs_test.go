package cleanup

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

// The tick through River: a due schedule runs from the job, and a
// completed tick does not stop the next one (River keeps completed jobs).
func TestTickJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, date(2025, time.October, 30, 4, 30, 0))
		c, _ := f.conversation(date(2025, time.January, 1, 0, 0, 0))
		f.inbound(c, date(2025, time.February, 1, 0, 0, 0))
		f.configure(30, true, "04:00")

		workers := river.NewWorkers()
		f.svc.Register(workers)
		q, err := jobs.New(db, jobs.Config{Workers: workers, TestOnly: true})
		require.NoError(t, err)
		require.NoError(t, q.Start(ctx))
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = q.Stop(sctx)
		})
		completed := func(n int64) func() bool {
			return func() bool {
				return f.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'cleanup.tick' AND state = 'completed'`) == n
			}
		}
		require.NoError(t, q.Insert(ctx, TickArgs{}, nil))
		require.Eventually(t, completed(1), 30*time.Second, 20*time.Millisecond)
		require.Equal(t, int64(1), f.count(`SELECT COUNT(*) FROM cleanup_runs WHERE kind = 'schedule' AND status = 'done' AND messages = 1`))

		require.NoError(t, q.Insert(ctx, TickArgs{}, nil))
		require.Eventually(t, completed(2), 30*time.Second, 20*time.Millisecond)
		require.Equal(t, int64(1), f.count(`SELECT COUNT(*) FROM cleanup_runs`), "already ran today")
	})
}
