package flow

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Every inbound message looks for runs waiting for its reply (when any flow
// has wait_for_reply, as the shipped lead qualification example does), the
// assistant asks whether a run holds the conversation, and a pause looks
// for the runs it ends: each lookup must use its index, or each message
// scans every run ever made.
func TestReplyLookupUsesTheIndex(t *testing.T) {
	db := storetest.New(t, store.SQLite)
	for _, c := range []struct {
		query   string
		args    []any
		indexes []string
	}{
		{replyRunsQuery, []any{42}, []string{"flow_runs_reply"}},
		{replyRunsQuery + ` LIMIT 1`, []any{42}, []string{"flow_runs_reply"}},
		{pausedRunsQuery, []any{42, 42}, []string{"flow_runs_reply", "flow_runs_message_conv"}},
	} {
		plan := storetest.Plan(t, db, c.query, c.args...)
		for _, idx := range c.indexes {
			require.Contains(t, plan, idx, "plan: %s", plan)
		}
		require.NotContains(t, plan, "SCAN flow_runs", "plan: %s", plan)
	}
}
