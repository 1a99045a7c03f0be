package messaging

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// When a sender's next message is due is read from the first entry of
// its partial index in the window, never by aggregating every queued
// message (on PostgreSQL, MIN was planned as such an aggregate), and the
// window bounds the index scan itself: the entries before it (on
// PostgreSQL, dead ones of every claim and send) are not walked.
func TestNextDueReadsTheFirstIndexEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		for q, index := range map[string]string{nextDueQuery: "messages_send_due", nextDueDirectQuery: "messages_send_due_direct"} {
			plan := storetest.Plan(t, db, q, int64(1), int64(1000), int64(3000))
			require.Contains(t, plan, index, "plan:\n%s", plan)
			if db.Dialect() == store.SQLite {
				require.Contains(t, plan, "send_at>? AND send_at<?", "plan:\n%s", plan)
				require.NotContains(t, plan, "TEMP B-TREE", "plan:\n%s", plan) // sorting
			} else {
				require.Regexp(t, `Index Cond: \(\(sender_id = .*\) AND \(send_at > .*\) AND \(send_at <= .*\)\)`, plan, "plan:\n%s", plan)
				require.Contains(t, plan, "Limit", "plan:\n%s", plan)
				require.NotContains(t, plan, "Aggregate", "plan:\n%s", plan)
				require.NotContains(t, plan, "Sort", "plan:\n%s", plan)
			}
		}
	})
}

// A sender's due messages come out of the index in send order, so the
// read stops at its limit: no sort of every due message first (a campaign
// queues thousands in one millisecond, all tied on send_at).
func TestDueMessagesComeInIndexOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		for q, index := range map[string]string{dueQuery: "messages_send_due", dueDirectQuery: "messages_send_due_direct"} {
			plan := storetest.Plan(t, db, q, int64(1), int64(1000), 64)
			require.Contains(t, plan, index, "plan:\n%s", plan)
			require.NotContains(t, plan, "TEMP B-TREE", "plan:\n%s", plan) // SQLite sorting
			if db.Dialect() == store.Postgres {
				require.Contains(t, plan, "Limit", "plan:\n%s", plan)
				require.NotContains(t, plan, "Sort", "plan:\n%s", plan)
			}
		}
	})
}
