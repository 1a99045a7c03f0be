package flow

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// On SQLite a transaction reads the largest run id once and counts on
// from it: its runs get consecutive ids with one read, a run undone by a
// savepoint leaves a gap (its id is not given again), and the next
// transaction reads again.
func TestRunIDsOfOneSQLiteTransactionReadTheLargestOnce(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t, store.SQLite)
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	s := newTestService(t, db, &now)
	f, err := s.Create(ctx, Flow{Name: "f", Enabled: true, Trigger: Trigger{Type: TriggerEvent, Event: "e"}, Steps: []Step{
		{ID: "mark", Type: StepSetVariables, Set: map[string]string{"run": "{{run.id}}"}},
	}})
	require.NoError(t, err)
	first, _ := startCounted(t, s, f.ID, NewState(0, nil, map[string]any{}, 0, "", now), false)

	maxReads := func(stmts []string) (n int) {
		for _, q := range stmts {
			if strings.Contains(q, "MAX(id)") {
				n++
			}
		}
		return n
	}
	var ids []int64
	var stmts []string
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		c, err := s.cache.compiled(ctx, tx, f.ID, 1)
		if err != nil {
			return err
		}
		rec := &storetest.RecordingTx{Tx: tx}
		start := func() error {
			id, err := s.start(ctx, rec, c, NewState(0, nil, map[string]any{}, 0, "", now), false)
			ids = append(ids, id)
			return err
		}
		if err := start(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SAVEPOINT undone`); err != nil {
			return err
		}
		if err := start(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT undone`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT undone`); err != nil {
			return err
		}
		if err := start(); err != nil {
			return err
		}
		stmts = rec.Stmts
		return nil
	}))
	require.Equal(t, []int64{first + 1, first + 2, first + 3}, ids, "consecutive ids, the undone run's not given again")
	require.Equal(t, 1, maxReads(stmts), "one read of the largest id for three runs: %q", stmts)
	for _, id := range []int64{first + 1, first + 3} {
		require.Equal(t, StatusCompleted, readRunRow(t, db, id).status, "run %d", id)
	}
	var undone int
	require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM flow_runs WHERE id = ?`, first+2).Scan(&undone))
	require.Zero(t, undone, "the savepoint's run is gone")

	next, stmts := startCounted(t, s, f.ID, NewState(0, nil, map[string]any{}, 0, "", now), false)
	require.Equal(t, first+4, next, "the next transaction reads the largest id again")
	require.Equal(t, 1, maxReads(stmts), "%q", stmts)
}
