package messaging_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
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
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// racingCloud accepts every send and, like Meta under load, delivers the
// "delivered" webhook (echoing biz_opaque_callback_data) at about the time
// the send's answer comes back: up to 10 ms before it, up to 30 ms after.
type racingCloud struct {
	deliver func(wamid, opaque string)
	n       atomic.Int64
	wg      sync.WaitGroup
}

func (c *racingCloud) SendMessage(_ context.Context, _, _ string, payload any) (whatsapp.SendResult, error) {
	wamid := "wamid.RACE" + strconv.FormatInt(c.n.Add(1), 10)
	b, _ := json.Marshal(payload)
	var p struct {
		Opaque string `json:"biz_opaque_callback_data"`
	}
	_ = json.Unmarshal(b, &p)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		time.Sleep(time.Duration(rand.IntN(30_000)) * time.Microsecond)
		c.deliver(wamid, p.Opaque)
	}()
	time.Sleep(time.Duration(rand.IntN(10_000)) * time.Microsecond)
	return whatsapp.SendResult{WAMID: wamid}, nil
}

// TestStatusRacingItsSendIsNeverLost sends through the real queue while
// each send's status webhook is applied concurrently with the record of
// the send. On PostgreSQL neither transaction sees the other's
// uncommitted row, so without the pending sweep some acknowledged statuses
// were parked for ever. Every message must end delivered.
func TestStatusRacingItsSendIsNeverLost(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		const sends = 300
		ctx := context.Background()
		e := newEnv(t, db)
		rate := 1000
		_, err := e.accounts.UpdateSender(ctx, e.sender.ID, account.SenderInput{RateLimit: &rate})
		require.NoError(t, err)
		svc := messaging.New(db, e.accounts, nil, time.Now, nil)
		svc.Start(ctx)
		t.Cleanup(svc.Stop)
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			return svc.Process(ctx, tx, e.account.ID, text(e.sender, "wamid.in1", "5511988887777", "Ana", time.Now(), "oi"))
		}))
		cloud := &racingCloud{}
		var failed atomic.Int64
		cloud.deliver = func(wamid, opaque string) {
			ev := status(wamid, "delivered", time.Now())
			ev.Status.BizOpaqueCallbackData = opaque
			// A transaction that fails (a deadlock) is retried, as the
			// dispatcher retries its batch.
			var err error
			for range 5 {
				if err = db.InTx(ctx, func(tx store.Tx) error { return svc.Process(ctx, tx, e.account.ID, ev) }); err == nil {
					return
				}
			}
			t.Logf("status %s: %v", wamid, err)
			failed.Add(1)
		}
		o := messaging.NewOutbox(messaging.OutboxOptions{
			DB: db, Accounts: e.accounts,
			Limiter:  ratelimit.New(ratelimit.Options{PairRate: ratelimit.NoPairLimit}),
			CloudFor: func(account.Account) messaging.CloudAPI { return cloud },
		})
		o.Attach(svc)
		for i := range sends {
			_, err := o.Send(ctx, messaging.SendRequest{Type: "text", SenderID: e.sender.ID, To: "+5511988887777", Text: "msg " + strconv.Itoa(i)})
			require.NoError(t, err)
		}
		o.Start(ctx)
		t.Cleanup(func() { o.Stop(ctx) })
		require.Eventually(t, func() bool { return cloud.n.Load() == sends }, 30*time.Second, 10*time.Millisecond)
		cloud.wg.Wait()
		require.Zero(t, failed.Load(), "a status webhook failed to apply")
		// The periodic sweep runs every 30 s; a status that depended on it
		// would still be parked here.
		var delivered, parked int
		require.Eventually(t, func() bool {
			delivered = e.count(t, `SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'delivered'`)
			parked = e.count(t, `SELECT COUNT(*) FROM pending_statuses`)
			return delivered == sends
		}, 10*time.Second, 20*time.Millisecond, "every acknowledged status applied")
		t.Logf("%d delivered, %d parked", delivered, parked)
		require.Zero(t, e.count(t, `SELECT COUNT(*) FROM pending_statuses`))
	})
}
