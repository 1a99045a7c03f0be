package intake

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Each dialect reads pending events through its own partial index, the
// only one it keeps (see migration 00040): a read that fell back to
// scanning inbound_events would read every event ever received.
func TestPendingEventsAreReadThroughTheirIndex(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db := storetest.New(t, store.SQLite)
		for _, q := range []string{pendingAllQuery, pendingCount} {
			plan := explain(t, db, `EXPLAIN QUERY PLAN `+q, 256)
			require.Contains(t, plan, "inbound_events_pending_all", q)
			require.NotContains(t, plan, "TEMP B-TREE", q)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		db := storetest.New(t, store.Postgres)
		for _, c := range []struct {
			q    string
			args []any
		}{{pendingLaneQuery, []any{1, 256, 9, 256, 256}}, {pendingCount, nil}} {
			plan := explain(t, db, `EXPLAIN `+c.q, c.args...)
			require.Contains(t, plan, "inbound_events_pending", c.q)
			require.NotContains(t, plan, "inbound_events_pending_all", c.q)
		}
	})
}

// explain returns a query's plan, one line per step. On PostgreSQL it
// forbids whole-table scans: a fresh table is small enough to scan whole,
// and the question is which index would serve the read.
func explain(t *testing.T, db store.DB, q string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		if db.Dialect() == store.Postgres {
			if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols := 1
		if db.Dialect() == store.SQLite {
			cols = 4
		}
		for rows.Next() {
			vals := make([]any, cols)
			var line string
			for i := range vals {
				vals[i] = new(any)
			}
			vals[cols-1] = &line
			if err := rows.Scan(vals...); err != nil {
				return err
			}
			lines = append(lines, line)
		}
		return rows.Err()
	}))
	return strings.Join(lines, "\n")
}
