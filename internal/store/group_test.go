package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// groupFixture is a Group over a counted database with a scratch table.
type groupFixture struct {
	db *storetest.CountingDB
	g  *store.Group
}

func newGroupFixture(t *testing.T, db store.DB) *groupFixture {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE group_rows (k TEXT PRIMARY KEY, n INTEGER NOT NULL)`)
		return err
	}))
	c := storetest.Counting(db)
	// One committing goroutine on both databases, so the transactions
	// counted are the ones the test arranges.
	g := store.NewGroup(c, store.GroupOptions{Workers: 1})
	t.Cleanup(g.Close)
	return &groupFixture{db: c, g: g}
}

func insertRow(ctx context.Context, tx store.Tx, k string) error {
	_, err := tx.Exec(ctx, `INSERT INTO group_rows (k, n) VALUES (?, 1)`, k)
	return err
}

func (f *groupFixture) rows(t *testing.T) map[string]int {
	t.Helper()
	rows, err := f.db.Read().Query(context.Background(), `SELECT k, n FROM group_rows`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		require.NoError(t, rows.Scan(&k, &n))
		out[k] = n
	}
	require.NoError(t, rows.Err())
	return out
}

// hold starts a request whose function blocks the committing goroutine
// until release is called, and returns release (which waits for that
// request's answer).
func (f *groupFixture) hold(t *testing.T) (release func()) {
	t.Helper()
	return storetest.HoldGroup(t, f.g, func(ctx context.Context, tx store.Tx) error { return insertRow(ctx, tx, "holder") })
}

// waitQueued waits until n requests wait behind the held transaction.
func (f *groupFixture) waitQueued(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return f.g.Queued() == n }, 10*time.Second, time.Millisecond)
}

func TestGroupCommitsConcurrentCallsTogether(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newGroupFixture(t, db)
		release := f.hold(t)
		const n = 40
		var wg sync.WaitGroup
		errs := make([]error, n)
		visible := make([]bool, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := fmt.Sprint("k", i)
				errs[i] = f.g.Do(context.Background(), func(ctx context.Context, tx store.Tx) error { return insertRow(ctx, tx, k) })
				// Durable and visible to every reader once Do returns.
				var got int
				visible[i] = f.db.Read().QueryRow(context.Background(), `SELECT n FROM group_rows WHERE k = ?`, k).Scan(&got) == nil && got == 1
			}()
		}
		f.waitQueued(t, n)
		release()
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			require.True(t, visible[i], "row %d visible after Do", i)
		}
		require.Len(t, f.rows(t), n+1)
		// The held transaction, then the n waiting calls in one.
		require.EqualValues(t, 2, f.db.Txs())
	})
}

// A lone call runs at once, in a transaction of its own.
func TestGroupLoneCall(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newGroupFixture(t, db)
		for i := range 3 {
			require.NoError(t, f.g.Do(context.Background(), func(ctx context.Context, tx store.Tx) error {
				return insertRow(ctx, tx, fmt.Sprint("k", i))
			}))
		}
		require.Len(t, f.rows(t), 3)
		require.EqualValues(t, 3, f.db.Txs())
	})
}

type failure struct{ i int }

func (e failure) Error() string { return fmt.Sprint("fn ", e.i, " failed") }

// A failing function gets its own error; the others commit exactly once,
// with their after-commit hooks run once, and nothing of the failed one
// (which wrote before failing) is kept. A function that panics panics in
// its own caller only.
func TestGroupFailureIsolation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newGroupFixture(t, db)
		release := f.hold(t)
		const n = 30
		fails := func(i int) bool { return i%7 == 3 }
		var runs, hooks [n]atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, n)
		panicked := make([]any, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { panicked[i] = recover() }()
				errs[i] = f.g.Do(context.Background(), func(ctx context.Context, tx store.Tx) error {
					runs[i].Add(1)
					if err := insertRow(ctx, tx, fmt.Sprint("k", i)); err != nil {
						return err
					}
					tx.AfterCommit(func() { hooks[i].Add(1) })
					if i == 11 {
						panic("fn 11 panicked")
					}
					if fails(i) {
						return failure{i}
					}
					return nil
				})
			}()
			f.waitQueued(t, i+1) // queued in index order
		}
		release()
		wg.Wait()
		got := f.rows(t)
		for i := range n {
			k := fmt.Sprint("k", i)
			switch {
			case i == 11:
				require.Contains(t, fmt.Sprint(panicked[i]), "fn 11 panicked")
				require.NotContains(t, got, k)
				require.Zero(t, hooks[i].Load())
			case fails(i):
				require.Nil(t, panicked[i])
				require.Equal(t, failure{i}, errs[i])
				require.NotContains(t, got, k)
				require.Zero(t, hooks[i].Load())
			default:
				require.Nil(t, panicked[i])
				require.NoError(t, errs[i], "call %d", i)
				require.Equal(t, 1, got[k])
				require.EqualValues(t, 1, hooks[i].Load(), "call %d's hook runs once", i)
			}
		}
		require.Len(t, got, n+1-5) // 3, 10, 17, 24 failed; 11 panicked
		// Earlier calls ran again after each failure; calls after the
		// last failure ran once.
		require.EqualValues(t, 6, runs[0].Load())
		require.EqualValues(t, 1, runs[n-1].Load())
		require.EqualValues(t, 1+6, f.db.Txs()) // held, then 5 rolled back and the commit
	})
}

// A caller that gives up before its function started is dropped; one
// whose function is under way gets its result.
func TestGroupCancelledCallers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newGroupFixture(t, db)
		release := f.hold(t)

		ctx, cancel := context.WithCancel(context.Background())
		var ran atomic.Bool
		dropped := make(chan error, 1)
		go func() {
			dropped <- f.g.Do(ctx, func(ctx context.Context, tx store.Tx) error {
				ran.Store(true)
				return insertRow(ctx, tx, "dropped")
			})
		}()
		f.waitQueued(t, 1)
		cancel()
		require.ErrorIs(t, <-dropped, context.Canceled)

		ctx2, cancel2 := context.WithCancel(context.Background())
		defer cancel2()
		started := make(chan error, 1)
		go func() {
			started <- f.g.Do(ctx2, func(ctx context.Context, tx store.Tx) error {
				cancel2() // the caller gives up while its function runs
				if err := ctx.Err(); err != nil {
					return err
				}
				return insertRow(ctx, tx, "started")
			})
		}()
		f.waitQueued(t, 2)
		release()
		require.NoError(t, <-started)
		require.False(t, ran.Load())
		got := f.rows(t)
		require.NotContains(t, got, "dropped")
		require.Equal(t, 1, got["started"])

		// Already cancelled: not queued at all.
		require.ErrorIs(t, f.g.Do(ctx, func(context.Context, store.Tx) error { return nil }), context.Canceled)
	})
}

// Close answers what was queued before it, then refuses.
func TestGroupCloseDrains(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newGroupFixture(t, db)
		release := f.hold(t)
		const n = 5
		errs := make(chan error, n)
		for i := range n {
			go func() {
				errs <- f.g.Do(context.Background(), func(ctx context.Context, tx store.Tx) error {
					return insertRow(ctx, tx, fmt.Sprint("k", i))
				})
			}()
		}
		f.waitQueued(t, n)
		closed := make(chan struct{})
		go func() {
			f.g.Close()
			close(closed)
		}()
		release()
		<-closed
		for range n {
			require.NoError(t, <-errs)
		}
		require.Len(t, f.rows(t), n+1)
		require.ErrorIs(t, f.g.Do(context.Background(), func(context.Context, store.Tx) error { return nil }), store.ErrGroupClosed)
	})
}

// A failed commit (here a BeforeCommit hook) is nobody's function's
// fault: every caller of the batch gets it, and nothing is kept.
func TestGroupFailedCommitAnswersEveryone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newGroupFixture(t, db)
		release := f.hold(t)
		boom := errors.New("before commit failed")
		const n = 4
		errs := make(chan error, n)
		for i := range n {
			go func() {
				errs <- f.g.Do(context.Background(), func(ctx context.Context, tx store.Tx) error {
					if i == 0 {
						tx.BeforeCommit("boom", func() error { return boom })
					}
					return insertRow(ctx, tx, fmt.Sprint("k", i))
				})
			}()
		}
		f.waitQueued(t, n)
		release()
		for range n {
			require.ErrorIs(t, <-errs, boom)
		}
		require.Equal(t, map[string]int{"holder": 1}, f.rows(t))
	})
}

// A PostgreSQL deadlock or serialization failure is not the function's
// fault: its batch runs again with each function alone, and nobody gets
// the error unless it happens again to a function running alone.
func TestGroupLockConflictRunsEachAlone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newGroupFixture(t, db)
		release := f.hold(t)
		const n = 3
		var conflicts atomic.Int64
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = f.g.Do(context.Background(), func(ctx context.Context, tx store.Tx) error {
					if err := insertRow(ctx, tx, fmt.Sprint("k", i)); err != nil {
						return err
					}
					if i == 1 && conflicts.Add(1) == 1 {
						return fmt.Errorf("apply: %w", &pgconn.PgError{Code: "40P01", Message: "deadlock detected"})
					}
					return nil
				})
			}()
			f.waitQueued(t, i+1)
		}
		release()
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
		}
		require.Len(t, f.rows(t), n+1)
		// Held; the batch, rolled back; then each alone.
		require.EqualValues(t, 1+1+n, f.db.Txs())
	})
}
