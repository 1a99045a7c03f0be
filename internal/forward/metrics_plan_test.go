package forward

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The metrics read this at every scrape: it must use its partial index,
// never scan every forward_deliveries row ever stored.
func TestPendingUsesTheIndex(t *testing.T) {
	db := storetest.New(t, store.SQLite)
	plan := storetest.Plan(t, db, pendingQuery)
	require.Contains(t, plan, "forward_deliveries_due", "plan: %s", plan)
	// Scanning the partial index reads only the rows it holds.
	require.NotRegexp(t, `SCAN forward_deliveries($|\n| [^U])`, plan, "plan: %s", plan)
}
