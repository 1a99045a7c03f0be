package messaging_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// txMarks is a store.DB that notes, for each transaction, whether it was
// marked Urgent.
type txMarks struct {
	store.DB
	mu     sync.Mutex
	urgent []bool
}

func (d *txMarks) InTx(ctx context.Context, fn func(store.Tx) error) error {
	d.mu.Lock()
	d.urgent = append(d.urgent, store.IsUrgent(ctx))
	d.mu.Unlock()
	return d.DB.InTx(ctx, fn)
}

func (d *txMarks) take() []bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.urgent
	d.urgent = nil
	return out
}

// The claim of due messages goes ahead of the background work queued for
// SQLite's writer (every send it starts waits for it); recording the sends'
// outcomes does not.
func TestSendClaimsAreUrgentAndOutcomesAreNot(t *testing.T) {
	e := newEnv(t, storetest.New(t, store.SQLite))
	marks := &txMarks{DB: e.db}
	marked := *e
	marked.db = marks
	o := newTestOutbox(&marked)
	o.SkipSlotWaits(func(int64, time.Time) bool { return true })
	e.mustProcess(t, text(e.sender, "wamid.in1", "5511988887777", "Ana", e.clock.Now(), "oi"))
	e.queueText(t, o, "olá")
	marks.take()

	n, record, err := o.Launch(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, []bool{true}, marks.take(), "the claim")
	record()
	require.Equal(t, []bool{false}, marks.take(), "the outcome")
}
