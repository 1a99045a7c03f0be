package flow

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The runs list pages through every run of a flow, and the API is asked
// whether any run is still running: each filter must reach its index, or
// every page reads the whole table (each row a run's state document).
func TestRunFiltersUseTheirIndexes(t *testing.T) {
	db := storetest.New(t, store.SQLite)
	for _, c := range []struct {
		f    RunFilter
		want string
	}{
		{RunFilter{FlowID: 7, Limit: 200}, "USING INDEX flow_runs_flow (flow_id=?)"},
		{RunFilter{FlowID: 7, Before: 900, Limit: 200}, "USING INDEX flow_runs_flow (flow_id=? AND id<?)"},
		{RunFilter{Status: StatusRunning, Limit: 1}, "USING INDEX flow_runs_status (status=?)"},
		{RunFilter{Before: 900, Limit: 200}, "USING INTEGER PRIMARY KEY (rowid<?)"},
	} {
		q, args := searchQuery(RunSearch{RunFilter: c.f})
		plan := storetest.Plan(t, db, q, args...)
		require.Contains(t, plan, c.want, "filter %+v", c.f)
		require.NotContains(t, plan, "SCAN flow_runs", "filter %+v", c.f)
	}
}
