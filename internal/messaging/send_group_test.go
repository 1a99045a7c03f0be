package messaging_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Sends made at once share one commit; a refused one gets its own error
// and costs the others nothing; two sends to one new contact in the same
// commit make one contact and one conversation.
func TestSendsShareACommit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		_, err := e.accounts.SyncTemplates(ctx, e.account.ID)
		require.NoError(t, err)
		counted := storetest.Counting(db)
		g := store.NewGroup(counted, store.GroupOptions{Workers: 1})
		t.Cleanup(g.Close)
		var queued atomic.Int64
		o := messaging.NewOutbox(messaging.OutboxOptions{
			DB: db, Accounts: e.accounts, Writes: g,
			Limiter:  ratelimit.New(ratelimit.Options{PairRate: ratelimit.NoPairLimit}),
			CloudFor: func(account.Account) messaging.CloudAPI { return &instantCloud{} },
			Now:      e.clock.Now,
		})
		o.OnQueued(func(_ context.Context, tx store.Tx, _ messaging.Message) error {
			tx.AfterCommit(func() { queued.Add(1) })
			return nil
		})

		// Hold the committing goroutine so the calls queue behind it.
		release := storetest.HoldGroup(t, g, func(context.Context, store.Tx) error { return nil })
		tmpl := func(to, name string) messaging.SendRequest {
			return messaging.SendRequest{Type: "template", SenderID: e.sender.ID, To: to,
				Template: &messaging.TemplateRef{Name: name, Language: "pt_BR"}, Source: "api"}
		}
		reqs := []messaging.SendRequest{
			tmpl("+5511999990001", "promo"),
			tmpl("+5511999990002", "promo"),
			tmpl("+5511999990003", "no_such_template"),
			tmpl("+5511999990001", "promo"),
		}
		msgs := make([]messaging.Message, len(reqs))
		errs := make([]error, len(reqs))
		var wg sync.WaitGroup
		for i, r := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				msgs[i], errs[i] = o.Send(ctx, r)
			}()
			require.Eventually(t, func() bool { return g.Queued() == i+1 }, 10*time.Second, time.Millisecond)
		}
		release()
		wg.Wait()

		apperrtest.Require(t, errs[2], apperr.KindInvalid, "template_not_found", "template")
		for _, i := range []int{0, 1, 3} {
			require.NoError(t, errs[i])
			require.Positive(t, msgs[i].ID)
		}
		require.Equal(t, msgs[0].ConversationID, msgs[3].ConversationID)
		require.NotEqual(t, msgs[0].ConversationID, msgs[1].ConversationID)
		require.Equal(t, 3, e.count(t, `SELECT COUNT(*) FROM messages WHERE direction = 'out'`))
		require.Equal(t, 2, e.count(t, `SELECT COUNT(*) FROM contacts`))
		require.Equal(t, 2, e.count(t, `SELECT COUNT(*) FROM conversations`))
		require.EqualValues(t, 3, queued.Load(), "each queued message's hook ran once, after the commit")
		// The held one; then the four, rolled back at the refused one;
		// then the other three.
		require.EqualValues(t, 3, counted.Txs())
	})
}
