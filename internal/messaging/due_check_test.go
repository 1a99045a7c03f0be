package messaging_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Only a queued message may be due (send_at > 0): the send queue's partial
// indexes hold the rows with send_at > 0 and count on it, and PostgreSQL
// enforces it with a constraint.
func TestOnlyQueuedMessagesAreDue(t *testing.T) {
	e, conv := statusEnv(t, storetest.New(t, store.Postgres))
	ctx := context.Background()
	id := e.outbound(t, conv, "wamid.DUE1", t0)
	exec := func(q string) error {
		return e.db.InTx(ctx, func(tx store.Tx) error { _, err := tx.Exec(ctx, q, id); return err })
	}
	err := exec(`UPDATE messages SET send_at = 5 WHERE id = ?`)
	require.ErrorContains(t, err, "messages_due_only_queued")
	require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM messages WHERE send_at <> 0`))
	require.NoError(t, exec(`UPDATE messages SET status = 'queued', send_at = 5 WHERE id = ?`))
}
