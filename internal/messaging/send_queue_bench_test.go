package messaging_test

import (
	"context"
	"strconv"
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

// instantCloud accepts every send at once.
type instantCloud struct{ n atomic.Int64 }

func (c *instantCloud) SendMessage(context.Context, string, string, any) (whatsapp.SendResult, error) {
	return whatsapp.SendResult{WAMID: "wamid.b" + strconv.FormatInt(c.n.Add(1), 10)}, nil
}

// BenchmarkSendQueue measures the send queue alone (claim, rate-limit slot,
// call, record) against a Cloud API that answers at once, with four senders
// at Meta's highest throughput (1,000 messages/s each):
//
//	go test -run '^$' -bench SendQueue -benchtime 20000x ./internal/messaging/
//
// With ZAPFLOW_TEST_POSTGRES_URL set it runs on PostgreSQL too.
func BenchmarkSendQueue(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.New(b, d)
			e := newEnv(b, db)
			senders := []account.Sender{e.sender}
			for i := 2; i <= 4; i++ {
				senders = append(senders, e.addSender(b, "10654035224000"+strconv.Itoa(i)))
			}
			ctx := context.Background()
			for _, s := range senders {
				require.NoError(b, db.InTx(ctx, func(tx store.Tx) error {
					_, err := tx.Exec(ctx, `UPDATE senders SET rate_limit = 1000 WHERE id = ?`, s.ID)
					return err
				}))
			}
			cloud := &instantCloud{}
			o := messaging.NewOutbox(messaging.OutboxOptions{
				DB: db, Accounts: e.accounts,
				Limiter:  ratelimit.New(ratelimit.Options{PairRate: ratelimit.NoPairLimit}),
				CloudFor: func(account.Account) messaging.CloudAPI { return cloud },
			})
			// b.N texts to b.N customers whose windows are open.
			now := time.Now()
			e.clock.Set(now)
			// In transactions of 256, like the intake's batches.
			inBatches := func(fn func(tx store.Tx, i int) error) {
				for lo := 0; lo < b.N; lo += 256 {
					require.NoError(b, db.InTx(ctx, func(tx store.Tx) error {
						for i := lo; i < min(lo+256, b.N); i++ {
							if err := fn(tx, i); err != nil {
								return err
							}
						}
						return nil
					}))
				}
			}
			inBatches(func(tx store.Tx, i int) error {
				from := "55119" + strconv.Itoa(10000000+i)
				return e.svc.Process(ctx, tx, e.account.ID, text(senders[i%len(senders)], "wamid.in"+strconv.Itoa(i), from, "C", now, "oi"))
			})
			o.Start(ctx)
			b.ResetTimer()
			start := time.Now()
			inBatches(func(tx store.Tx, i int) error {
				_, err := o.SendTx(ctx, tx, messaging.SendRequest{Type: "text", SenderID: senders[i%len(senders)].ID,
					To: "+55119" + strconv.Itoa(10000000+i), Text: "olá"})
				return err
			})
			enqueued := time.Since(start)
			for {
				var left int
				require.NoError(b, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'queued'`).Scan(&left))
				if left == 0 {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			o.Stop(ctx)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(float64(b.N)/enqueued.Seconds(), "enqueued/s")
		})
	}
}
