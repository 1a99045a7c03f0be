package messaging_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// BenchmarkProcessStatus applies delivery statuses one by one, 64 to a
// transaction as SQLite's webhook commit does, each to one of 1,000
// stored messages; one op is one status. It is what the single writer
// pays for each of the two or three statuses a sent message gets back.
func BenchmarkProcessStatus(b *testing.B) {
	const perTx, msgs = 64, 1000
	ctx := context.Background()
	e := newEnv(b, storetest.New(b, store.SQLite))
	warm := make([]whatsapp.Event, msgs)
	for i := range warm {
		warm[i] = text(e.sender, "wamid.s"+strconv.Itoa(i), "55119"+strconv.Itoa(10000000+i), "C", t0, "oi")
	}
	applyInTxs(b, e, warm, perTx)
	evs := make([]whatsapp.Event, b.N)
	for i := range evs {
		st := []string{messaging.StatusDelivered, messaging.StatusRead}[i/msgs%2]
		evs[i] = status("wamid.s"+strconv.Itoa(i%msgs), st, t0.Add(time.Duration(i)*time.Millisecond))
	}
	b.ReportAllocs()
	b.ResetTimer()
	applyInTxs(b, e, evs, perTx)
	b.StopTimer()
	var delivered int
	require.NoError(b, e.db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE delivered_at > 0`).Scan(&delivered))
	require.Equal(b, min(b.N, msgs), delivered, "every status found its message")
}
