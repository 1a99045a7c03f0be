package messaging_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

func newTestOutbox(e *env) *messaging.Outbox {
	return messaging.NewOutbox(messaging.OutboxOptions{
		DB: e.db, Accounts: e.accounts,
		Limiter:  ratelimit.New(ratelimit.Options{PairRate: ratelimit.NoPairLimit}),
		CloudFor: func(account.Account) messaging.CloudAPI { return &instantCloud{} },
		Now:      e.clock.Now,
	})
}

// sendResult is what SendTx answered: the message queued or the error.
type sendResult struct {
	conversation int64
	content      string
	code, field  string
}

func sendTo(t *testing.T, e *env, o *messaging.Outbox, to string) sendResult {
	t.Helper()
	var m messaging.Message
	var err error
	require.NoError(t, e.db.InTx(context.Background(), func(tx store.Tx) error {
		m, err = o.SendTx(context.Background(), tx, messaging.SendRequest{Type: "text", SenderID: e.sender.ID, To: to, Text: "olá"})
		return nil // a refusal commits nothing anyway
	}))
	if err != nil {
		ae, ok := apperr.As(err)
		require.True(t, ok, "%v", err)
		return sendResult{code: ae.Code, field: ae.Field}
	}
	return sendResult{conversation: m.ConversationID, content: string(m.Content)}
}

// A reply to customers whose numbers the webhook warmed is queued, or
// refused, exactly as without the warming: to their conversation when
// libphonenumber takes the number as it is, as invalid_phone when it
// does not call it valid, and to the number it rewrites it to (not the
// customer's conversation).
func TestWarmedRecipientsSendAsBefore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		var evs []whatsapp.Event
		for i, from := range []string{"5511988887777", "15550783881", "551198888777", "4407911123456"} {
			ev := text(e.sender, "wamid.w"+strconv.Itoa(i), from, "C", t0, "oi")
			e.mustProcess(t, ev)
			evs = append(evs, ev)
		}
		e.clock.Set(t0.Add(2 * time.Minute))
		cold, warm := newTestOutbox(e), newTestOutbox(e)
		warm.WarmRecipients(e.account, evs)
		require.Equal(t, 4, warm.PhonesCached())
		require.Equal(t, 0, cold.PhonesCached())

		conv := e.onlyConversationOf(t, "5511988887777")
		for _, ev := range evs {
			to := "+" + ev.Message.From
			want := sendTo(t, e, cold, to)
			require.Equal(t, want, sendTo(t, e, warm, to), to)
			switch ev.Message.From {
			case "5511988887777":
				require.Equal(t, conv, want.conversation)
			case "4407911123456":
				require.Equal(t, sendResult{code: "outside_window", field: "type"}, want,
					"rewritten to +447911123456, a customer who never wrote (this one did)")
			default:
				require.Equal(t, sendResult{code: "invalid_phone", field: "to"}, want)
			}
		}
		require.Equal(t, 4, warm.PhonesCached(), "the sends found every number warmed")
	})
}

// onlyConversationOf is the conversation of the customer with wa_id waID.
func (e *env) onlyConversationOf(t *testing.T, waID string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, e.db.Read().QueryRow(context.Background(), `SELECT v.id FROM conversations v JOIN contacts k ON k.id = v.contact_id
		WHERE k.wa_id = ?`, waID).Scan(&id))
	return id
}

// BenchmarkSendTxToNewCustomers queues a text to each of b.N customers
// who just wrote (every one new to the phone cache, as in the flows
// benchmark), 256 to a transaction on SQLite: "cold" normalises each
// number in SendTx, inside the transaction; "warmed" finds it normalised
// by WarmRecipients, which the webhook calls before storing the events.
// Only the transactions are timed.
func BenchmarkSendTxToNewCustomers(b *testing.B) {
	for _, warmed := range []bool{false, true} {
		b.Run(map[bool]string{false: "cold", true: "warmed"}[warmed], func(b *testing.B) {
			ctx := context.Background()
			e := newEnv(b, storetest.New(b, store.SQLite))
			o := newTestOutbox(e)
			evs := make([]whatsapp.Event, b.N)
			for i := range evs {
				evs[i] = text(e.sender, "wamid.in"+strconv.Itoa(i), "55119"+strconv.Itoa(10000000+i), "C", t0, "oi")
			}
			inBatches := func(fn func(tx store.Tx, i int) error) {
				for lo := 0; lo < b.N; lo += 256 {
					require.NoError(b, e.db.InTx(ctx, func(tx store.Tx) error {
						for i := lo; i < min(lo+256, b.N); i++ {
							if err := fn(tx, i); err != nil {
								return err
							}
						}
						return nil
					}))
				}
			}
			inBatches(func(tx store.Tx, i int) error { return e.svc.Process(ctx, tx, e.account.ID, evs[i]) })
			e.clock.Set(t0.Add(time.Minute))
			if warmed {
				o.WarmRecipients(e.account, evs)
			}
			b.ResetTimer()
			inBatches(func(tx store.Tx, i int) error {
				_, err := o.SendTx(ctx, tx, messaging.SendRequest{Type: "text", SenderID: e.sender.ID, To: "+" + evs[i].Message.From, Text: "olá"})
				return err
			})
		})
	}
}
