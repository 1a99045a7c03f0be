package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

type noteArgs struct {
	Note string `json:"note"`
}

func (noteArgs) Kind() string { return "test_note" }

type noteWorker struct {
	river.WorkerDefaults[noteArgs]
}

func (noteWorker) Work(context.Context, *river.Job[noteArgs]) error { return nil }

func newQueue(t *testing.T, db store.DB) *jobs.Queue {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, noteWorker{})
	q, err := jobs.New(db, jobs.Config{Workers: workers, TestOnly: true})
	require.NoError(t, err)
	return q
}

// notes reads the notes of the test jobs stored, in insertion order
// (River keeps a SQLite job's args as binary JSON).
func notes(t *testing.T, d store.Dialect, q store.Querier) []string {
	t.Helper()
	args := "args"
	if d == store.SQLite {
		args = "json(args)"
	}
	rows, err := q.Query(context.Background(), `SELECT `+args+` FROM river_job WHERE kind = 'test_note' ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var args string
		require.NoError(t, rows.Scan(&args))
		var n noteArgs
		require.NoError(t, json.Unmarshal([]byte(args), &n))
		out = append(out, n.Note)
	}
	require.NoError(t, rows.Err())
	return out
}

// A transaction's jobs are inserted together as it commits, in the order
// they were queued, and not at all when it rolls back. A job queued inside
// a savepoint goes in at once, so rolling the savepoint back takes it
// along and releasing it keeps it.
func TestJobsOfATransactionGoInAtItsCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		q := newQueue(t, db)
		var beforeCommit, inSavepoint, afterSavepoints []string
		exec := func(tx store.Tx, stmts ...string) error {
			for _, s := range stmts {
				if _, err := tx.Exec(ctx, s); err != nil {
					return err
				}
			}
			return nil
		}
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			if err := q.InsertTx(ctx, tx, noteArgs{Note: "a"}, nil); err != nil {
				return err
			}
			if err := q.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: noteArgs{Note: "b"}}, {Args: noteArgs{Note: "c"}}}); err != nil {
				return err
			}
			beforeCommit = notes(t, db.Dialect(), tx)
			if err := exec(tx, `SAVEPOINT s`); err != nil {
				return err
			}
			if err := q.InsertTx(ctx, tx, noteArgs{Note: "undone"}, nil); err != nil {
				return err
			}
			inSavepoint = notes(t, db.Dialect(), tx)
			if err := exec(tx, `ROLLBACK TO SAVEPOINT s`, `RELEASE SAVEPOINT s`, `SAVEPOINT s`); err != nil {
				return err
			}
			if err := q.InsertTx(ctx, tx, noteArgs{Note: "kept"}, nil); err != nil {
				return err
			}
			if err := exec(tx, `RELEASE SAVEPOINT s`); err != nil {
				return err
			}
			afterSavepoints = notes(t, db.Dialect(), tx)
			return nil
		}))
		require.Empty(t, beforeCommit, "queued until the commit")
		require.Equal(t, []string{"undone"}, inSavepoint, "inside a savepoint a job goes in at once")
		require.Equal(t, []string{"kept"}, afterSavepoints, "the rolled-back savepoint took its job along")
		require.Equal(t, []string{"kept", "a", "b", "c"}, notes(t, db.Dialect(), db.Read()), "the others went in at the commit, in order")

		errRollback := errors.New("roll back")
		require.ErrorIs(t, db.InTx(ctx, func(tx store.Tx) error {
			if err := q.InsertTx(ctx, tx, noteArgs{Note: "never"}, nil); err != nil {
				return err
			}
			return errRollback
		}), errRollback)
		require.Len(t, notes(t, db.Dialect(), db.Read()), 4, "a rolled-back transaction inserts none")
	})
}
