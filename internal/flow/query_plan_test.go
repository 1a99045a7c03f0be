package flow

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Every inbound message looks for runs waiting for its reply (when any flow
// has wait_for_reply, as the shipped lead qualification example does): the
// lookup must use the index, or each message scans every run ever made.
func TestReplyLookupUsesTheIndex(t *testing.T) {
	db := storetest.New(t, store.SQLite)
	rows, err := db.Read().Query(context.Background(), `EXPLAIN QUERY PLAN `+replyRunsQuery, 42)
	require.NoError(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())
	joined := strings.Join(plan, "; ")
	require.Contains(t, joined, "flow_runs_reply", "plan: %s", joined)
	require.NotContains(t, joined, "SCAN flow_runs", "plan: %s", joined)
}
