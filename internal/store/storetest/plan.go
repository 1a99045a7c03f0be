package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
)

// Plan returns the plan of query q, one line per step: SQLite's EXPLAIN
// QUERY PLAN details or PostgreSQL's EXPLAIN lines. On PostgreSQL it
// forbids whole-table scans: a test's fresh table is small enough to scan
// whole, and the question is which index would serve the query.
func Plan(t testing.TB, db store.DB, q string, args ...any) string {
	t.Helper()
	return plan(t, db, []string{`SET LOCAL enable_seqscan = off`}, q, args...)
}

// IndexConditionPlan is Plan with plain index scans forbidden too on
// PostgreSQL: on a test's empty table the planner walks a primary key end
// to end in place of a whole-table scan, so only scans driven by an index
// condition (bitmap scans) are left, and the plan shows which index serves
// each condition. On SQLite it is Plan.
func IndexConditionPlan(t testing.TB, db store.DB, q string, args ...any) string {
	t.Helper()
	return plan(t, db, []string{`SET LOCAL enable_seqscan = off`, `SET LOCAL enable_indexscan = off`}, q, args...)
}

// plan explains q after applying settings (PostgreSQL only).
func plan(t testing.TB, db store.DB, settings []string, q string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	explain, cols := `EXPLAIN QUERY PLAN `, 4
	if db.Dialect() == store.Postgres {
		explain, cols = `EXPLAIN `, 1
	}
	var lines []string
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		lines = lines[:0]
		if db.Dialect() == store.Postgres {
			for _, set := range settings {
				if _, err := tx.Exec(ctx, set); err != nil {
					return err
				}
			}
		}
		rows, err := tx.Query(ctx, explain+q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			vals := make([]any, cols)
			for i := range vals {
				vals[i] = new(any)
			}
			var line string
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
