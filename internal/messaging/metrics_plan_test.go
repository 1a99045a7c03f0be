package messaging

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The metrics read this at every scrape: it must use its partial index,
// never scan every messages row ever stored.
func TestQueueStatsUsesTheIndex(t *testing.T) {
	db := storetest.New(t, store.SQLite)
	plan := storetest.Plan(t, db, queueStatsQuery)
	require.Contains(t, plan, "messages_send_due", "plan: %s", plan)
	// Scanning the partial index reads only the rows it holds.
	require.NotRegexp(t, `SCAN m($|\n| [^U])`, plan, "plan: %s", plan)
}
