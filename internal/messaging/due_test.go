package messaging

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A claim finds its messages by primary key on PostgreSQL, never by
// scanning the send queue's partial index for them (see claimSQL).
func TestClaimFindsMessagesByPrimaryKey(t *testing.T) {
	plan := storetest.Plan(t, storetest.New(t, store.Postgres), claimSQL(4), 1, 2, 3, 4, 5, 6, 7, 8)
	require.Contains(t, plan, "messages_pkey", plan)
	require.NotContains(t, plan, "messages_send_due", plan)
}
