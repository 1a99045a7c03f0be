package messaging

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The inbox search finds its texts through trigram indexes on both
// databases (SQLite's FTS5 tables, PostgreSQL's pg_trgm indexes), not by
// reading every message and contact.
func TestSearchUsesTrigramIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		from, args := searchHits(db.Dialect(), "order 42")
		q := `SELECT c.id` + from
		if db.Dialect() == store.SQLite {
			plan := storetest.Plan(t, db, q, args...)
			require.Contains(t, plan, "message_search", "plan:\n%s", plan)
			require.Contains(t, plan, "contact_search", "plan:\n%s", plan)
			return
		}
		plan := bitmapPlan(t, db, q, args...)
		for _, index := range []string{"messages_summary_search", "contacts_name_search", "contacts_profile_name_search", "contacts_phone_search"} {
			require.Contains(t, plan, index, "plan:\n%s", plan)
		}
	})
}

// bitmapPlan is PostgreSQL's plan for q with whole-table reads ruled out:
// no sequential scans, and no index scans either, which on a test's empty
// table stand in for one (a primary key walked end to end). What is left
// are bitmap scans, which need an index condition.
func bitmapPlan(t *testing.T, db store.DB, q string, args ...any) string {
	ctx := context.Background()
	var lines []string
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		for _, set := range []string{`SET LOCAL enable_seqscan = off`, `SET LOCAL enable_indexscan = off`} {
			if _, err := tx.Exec(ctx, set); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `EXPLAIN `+q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			lines = append(lines, line)
		}
		return rows.Err()
	}))
	return strings.Join(lines, "\n")
}
