package live_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The events a transaction appends are written together at its commit, in
// the order appended; one appended inside a savepoint that rolls back is
// not written, and the others are.
func TestAppendWritesAtCommitInOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		hub := live.New(db, nil)
		add := func(tx store.Tx, conv int64) {
			require.NoError(t, hub.Append(ctx, tx, live.Event{Kind: live.KindNote, ConversationID: conv}))
		}
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			for conv := range int64(70) { // more than one chunk
				add(tx, conv+1)
			}
			_, err := tx.Exec(ctx, `SAVEPOINT event`)
			require.NoError(t, err)
			add(tx, 1000)
			_, err = tx.Exec(ctx, `ROLLBACK TO SAVEPOINT event`)
			require.NoError(t, err)
			_, err = tx.Exec(ctx, `RELEASE SAVEPOINT event`)
			require.NoError(t, err)
			add(tx, 71)
			return nil
		}))
		require.Error(t, db.InTx(ctx, func(tx store.Tx) error {
			add(tx, 2000)
			return errors.New("rolled back")
		}))

		// On PostgreSQL, Since stops short of events newer than the
		// cluster's oldest running transaction (another test's, on a shared
		// server) until it ends: wait for that, not for our own commits.
		var evs []live.Event
		require.Eventually(t, func() bool {
			var err error
			evs, err = live.Since(ctx, db, 0, 500)
			require.NoError(t, err)
			return len(evs) >= 71
		}, 30*time.Second, 20*time.Millisecond)
		require.Len(t, evs, 71)
		for i, ev := range evs {
			require.Equal(t, int64(i+1), ev.ConversationID, "in the order appended")
		}
	})
}
