package messaging_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/ratelimit"
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

// On PostgreSQL two committers record outcomes: one batch whose hooks are
// slow (a flow run another transaction holds, a busy campaign row) does
// not hold back the outcomes of the messages sent after it.
func TestASlowOutcomeBatchDoesNotHoldBackTheNext(t *testing.T) {
	e := newEnv(t, storetest.New(t, store.Postgres))
	ctx := context.Background()
	// The outbox runs on the real clock here; so does the customer's window.
	e.mustProcess(t, text(e.sender, "wamid.in1", "5511988887777", "Ana", time.Now(), "oi"))
	e.mustProcess(t, text(e.sender, "wamid.in2", "5511988886666", "Bia", time.Now(), "oi"))
	rate := 1000
	_, err := e.accounts.UpdateSender(ctx, e.sender.ID, account.SenderInput{RateLimit: &rate})
	require.NoError(t, err)
	cloud := &racingCloud{deliver: func(string, string) {}}
	o := messaging.NewOutbox(messaging.OutboxOptions{
		DB: e.db, Accounts: e.accounts,
		Limiter:  ratelimit.New(ratelimit.Options{PairRate: ratelimit.NoPairLimit}),
		CloudFor: func(account.Account) messaging.CloudAPI { return cloud },
	})
	var first atomic.Int64
	entered, release := make(chan struct{}), make(chan struct{})
	o.OnOutcome(func(_ context.Context, _ store.Tx, out messaging.SendOutcome) error {
		if first.CompareAndSwap(0, out.MessageID) {
			close(entered)
			<-release
		}
		return nil
	})
	o.Start(ctx)
	t.Cleanup(func() { o.Stop(ctx) })
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // before Stop, should an assertion fail
	slow := e.queueText(t, o, "one")
	<-entered
	// Another customer: the second send shares nothing with the first
	// but the sender.
	m, err := o.Send(ctx, messaging.SendRequest{Type: "text", SenderID: e.sender.ID, To: "+5511988886666", Text: "two"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return e.message(t, m.ID).Status == "sent" }, 30*time.Second, 10*time.Millisecond,
		"the second message's outcome is recorded while the first batch waits")
	require.Equal(t, "queued", e.message(t, slow.ID).Status)
	free()
	require.Eventually(t, func() bool { return e.message(t, slow.ID).Status == "sent" }, 30*time.Second, 10*time.Millisecond)
}
