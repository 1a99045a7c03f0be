package messaging_test

import (
	"context"
	"testing"
	"time"

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

// A dispatch round that found nothing due asks when the sender's next
// message is: only within its longest wait (pollInterval, 2 s) matters.
// A message in flight (claimed, due again at its lease's end, two
// minutes ahead) and a retry further out than that are not read, nor is
// one already due (the round's due read has it).
func TestNextDueLooksOnlyWithinTheRoundsWait(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		cloud := &scriptedCloud{}
		o := newQueue(t, e, cloud, 5)
		ctx := context.Background()
		now := e.clock.Now()

		e.queueText(t, o, "in flight")
		n, record, err := o.Launch(ctx) // sent, its outcome not recorded yet: still claimed
		require.NoError(t, err)
		require.Equal(t, 1, n)
		next, err := o.NextDue(ctx, e.sender.ID, now)
		require.NoError(t, err)
		require.Zero(t, next, "the claim's lease ends two minutes ahead")

		retry := e.queueText(t, o, "retry")
		setSendAt := func(at time.Time) {
			require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE messages SET send_at = ? WHERE id = ?`, store.Millis(at), retry.ID)
				return err
			}))
		}
		setSendAt(now.Add(1500 * time.Millisecond))
		next, err = o.NextDue(ctx, e.sender.ID, now)
		require.NoError(t, err)
		require.Equal(t, store.Millis(now.Add(1500*time.Millisecond)), next)

		setSendAt(now.Add(10 * time.Second))
		next, err = o.NextDue(ctx, e.sender.ID, now)
		require.NoError(t, err)
		require.Zero(t, next, "further out than a round's longest wait")

		setSendAt(now.Add(-time.Second))
		next, err = o.NextDue(ctx, e.sender.ID, now)
		require.NoError(t, err)
		require.Zero(t, next, "already due: the round's due read takes it")
		record()
	})
}
