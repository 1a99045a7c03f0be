package messaging_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// BenchmarkProcessInbound applies inbound text messages as SQLite's
// webhook commit does (intake.Writer.ApplyWhenCaughtUp): 64 to a
// transaction, its commit included; one op is one message. "new": each
// comes from a customer writing for the first time (a contact and a
// conversation are created); "known": from one of 10,000 customers who
// wrote before the timer started. No flow or assistant hook is wired, so
// this is the floor of the single writer's work per message, the work
// that bounds bench-intake on SQLite.
func BenchmarkProcessInbound(b *testing.B) {
	const perTx, customers = 64, 10000
	for _, known := range []bool{false, true} {
		b.Run(map[bool]string{false: "new", true: "known"}[known], func(b *testing.B) {
			e := newEnv(b, storetest.New(b, store.SQLite))
			from := func(i int) string { return "55119" + strconv.Itoa(10000000+i) }
			apply := func(evs []whatsapp.Event) {
				applyInTxs(b, e, evs, perTx)
				e.inbound = e.inbound[:0]
			}
			first := 0
			if known {
				warm := make([]whatsapp.Event, customers)
				for i := range warm {
					warm[i] = text(e.sender, "wamid.warm"+strconv.Itoa(i), from(i), "C", t0, "oi")
				}
				apply(warm)
			} else {
				first = customers
			}
			evs := make([]whatsapp.Event, b.N)
			for i := range evs {
				who := first + i
				if known {
					who = i % customers
				}
				evs[i] = text(e.sender, "wamid.in"+strconv.Itoa(i), from(who), "C", t0.Add(time.Duration(i)*time.Millisecond), "quero fazer um pedido")
			}
			b.ResetTimer()
			apply(evs)
		})
	}
}

// applyInTxs applies evs through Process, perTx to a transaction, as
// SQLite's webhook commit does.
func applyInTxs(b *testing.B, e *env, evs []whatsapp.Event, perTx int) {
	ctx := context.Background()
	for lo := 0; lo < len(evs); lo += perTx {
		require.NoError(b, e.db.InTx(ctx, func(tx store.Tx) error {
			for _, ev := range evs[lo:min(lo+perTx, len(evs))] {
				if err := e.svc.Process(ctx, tx, e.account.ID, ev); err != nil {
					return err
				}
			}
			return nil
		}))
	}
}
