package intake

import (
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
			plan := storetest.Plan(t, db, q, 256)
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
			plan := storetest.Plan(t, db, c.q, c.args...)
			require.Contains(t, plan, "inbound_events_pending", c.q)
			require.NotContains(t, plan, "inbound_events_pending_all", c.q)
		}
	})
}
