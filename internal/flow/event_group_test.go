package flow

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// newGroupedService is a Service whose events go through a Group (one
// committing goroutine) over a counted db.
func newGroupedService(tb testing.TB, db store.DB, now time.Time) (*Service, *store.Group, *storetest.CountingDB) {
	tb.Helper()
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(tb, err)
	counted := storetest.Counting(db)
	g := store.NewGroup(counted, store.GroupOptions{Workers: 1})
	tb.Cleanup(g.Close)
	s := NewService(ServiceOptions{DB: db, Queue: q, Writes: g})
	s.Register(workers)
	s.SetClock(func() time.Time { return now })
	return s, g, counted
}

// Events sent at once commit together, and an idempotency key repeated
// within one group commit is still answered once: the first creates the
// runs, the second is the duplicate with the first's run ids.
func TestEventsShareACommitAndKeepTheirKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s, g, counted := newGroupedService(t, db, time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
		_, err := s.Create(ctx, setFlow("one"))
		require.NoError(t, err)
		before := counted.Txs()

		// Hold the committing goroutine so the calls queue behind it.
		release := storetest.HoldGroup(t, g, func(context.Context, store.Tx) error { return nil })
		keys := []string{"same", "other", "same", ""}
		results := make([]EventResult, len(keys))
		errs := make([]error, len(keys))
		var wg sync.WaitGroup
		for i, key := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = s.Event(ctx, "e", map[string]any{"i": i}, key)
			}()
			require.Eventually(t, func() bool { return g.Queued() == i+1 }, 10*time.Second, time.Millisecond)
		}
		release()
		wg.Wait()
		for i := range keys {
			require.NoError(t, errs[i])
		}
		require.EqualValues(t, 2, counted.Txs()-before, "the held transaction, then the four events in one")

		require.False(t, results[0].Duplicate)
		require.Len(t, results[0].RunIDs, 1)
		require.True(t, results[2].Duplicate)
		require.Equal(t, results[0].RunIDs, results[2].RunIDs)
		require.False(t, results[1].Duplicate)
		require.False(t, results[3].Duplicate)
		var runs int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM flow_runs`).Scan(&runs))
		require.Equal(t, 3, runs)
		for _, i := range []int{0, 1, 3} {
			run, err := s.GetRun(ctx, results[i].RunIDs[0])
			require.NoError(t, err)
			require.Equal(t, StatusWaiting, run.Status)
		}
		// Later, outside the group: still the duplicate.
		again, err := s.Event(ctx, "e", nil, "same")
		require.NoError(t, err)
		require.True(t, again.Duplicate)
		require.Equal(t, results[0].RunIDs, again.RunIDs)
	})
}

// BenchmarkEvents sends events on SQLite, each starting one run (a delay
// step: a run row and a job), without and with group commit: one at a
// time (a lone request must not get slower) and from many goroutines at
// once (where grouping pays one disk flush per batch).
func BenchmarkEvents(b *testing.B) {
	for _, concurrent := range []bool{false, true} {
		for _, grouped := range []bool{false, true} {
			b.Run(fmt.Sprintf("concurrent=%v/grouped=%v", concurrent, grouped), func(b *testing.B) {
				benchEvents(b, concurrent, grouped)
			})
		}
	}
}

func benchEvents(b *testing.B, concurrent, grouped bool) {
	ctx := context.Background()
	db := storetest.New(b, store.SQLite)
	s, _, _ := newGroupedService(b, db, time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
	if !grouped {
		s.Writes = nil
	}
	_, err := s.Create(ctx, setFlow("one"))
	require.NoError(b, err)
	var n atomic.Int64
	send := func() error {
		_, err := s.Event(ctx, "e", nil, fmt.Sprint("k", n.Add(1)))
		return err
	}
	b.ResetTimer()
	if concurrent {
		b.SetParallelism(8) // 8 × GOMAXPROCS requests at once
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := send(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for range b.N {
			if err := send(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
