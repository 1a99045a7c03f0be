package messaging_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// On PostgreSQL the committer records the outcomes whose message rows are
// free and leaves for a later batch those another transaction holds (an
// intake lane applying their status webhooks), up to three times; then it
// waits for the row, so every outcome is recorded once.
func TestOutcomesOfHeldMessagesWaitForALaterBatch(t *testing.T) {
	e := newEnv(t, storetest.New(t, store.Postgres))
	ctx := context.Background()
	o := newQueue(t, e, &scriptedCloud{}, 3)
	held := e.queueText(t, o, "one")
	free := e.queueText(t, o, "two")
	n, record, err := o.LaunchDeferring(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)

	locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- e.db.InTx(ctx, func(tx store.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT id FROM messages WHERE id = ? FOR UPDATE`, held.ID); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	for range 3 {
		require.Equal(t, []int64{held.ID}, record(), "the held row's outcome is left for later")
		require.Equal(t, "sent", e.message(t, free.ID).Status)
		require.Equal(t, "queued", e.message(t, held.ID).Status)
	}
	recorded := make(chan []int64, 1)
	go func() { recorded <- record() }()
	close(release)
	require.NoError(t, <-done)
	require.Empty(t, <-recorded, "the fourth batch waits for the row")
	m := e.message(t, held.ID)
	require.Equal(t, "sent", m.Status)
	require.NotEmpty(t, m.WAMID)
	require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM messages WHERE id = ? AND attempts = 1`, held.ID), "sent once")
}
