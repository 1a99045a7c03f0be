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
	ctx := context.Background()
	explain, cols := `EXPLAIN QUERY PLAN `, 4
	if db.Dialect() == store.Postgres {
		explain, cols = `EXPLAIN `, 1
	}
	var lines []string
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		lines = lines[:0]
		if db.Dialect() == store.Postgres {
			if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
				return err
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
