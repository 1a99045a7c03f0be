package messaging

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The metrics read this at every scrape: it must use its partial index,
// never scan every messages row ever stored.
func TestQueueStatsUsesTheIndex(t *testing.T) {
	db := storetest.New(t, store.SQLite)
	rows, err := db.Read().Query(context.Background(), `EXPLAIN QUERY PLAN `+queueStatsQuery)
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
	require.Contains(t, joined, "messages_send_due", "plan: %s", joined)
	// Scanning the partial index reads only the rows it holds.
	require.NotRegexp(t, `SCAN m($|;| [^U])`, joined, "plan: %s", joined)
}
