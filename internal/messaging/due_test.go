package messaging

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A claim finds its messages by primary key on PostgreSQL, never by
// scanning the send queue's partial index for them (see claimSQL).
func TestClaimFindsMessagesByPrimaryKey(t *testing.T) {
	db := storetest.New(t, store.Postgres)
	ctx := context.Background()
	args := []any{1, 2, 3, 4, 5, 6, 7, 8}
	var plan []string
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		rows, err := tx.Query(ctx, `EXPLAIN `+claimSQL(4), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan = append(plan, line)
		}
		return rows.Err()
	}))
	joined := strings.Join(plan, "\n")
	require.Contains(t, joined, "messages_pkey", joined)
	require.NotContains(t, joined, "messages_send_due", joined)
}
