package intake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// On SQLite a batch is read before its transaction. An event erased or
// processed in between is not applied: the transaction keeps only what is
// still pending, in order.
func TestEventsReadAheadAreCheckedInTheTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t, store.SQLite)
	storeTextEvents(t, db, newAccount(t, db), 5)
	d := NewDispatcher(db, func(context.Context, store.Tx, int64, whatsapp.Event) error { return nil },
		metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now, time.Hour)
	read, err := d.pendingEvents(ctx, db.Read(), 0)
	require.NoError(t, err)
	require.Len(t, read, 5)

	var kept []string
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM inbound_events WHERE id = ?`, read[1].id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE inbound_events SET processed_at = 1 WHERE id = ?`, read[3].id); err != nil {
			return err
		}
		events, err := stillPending(ctx, tx, read)
		for _, e := range events {
			kept = append(kept, e.ev.Message.ID)
		}
		return err
	}))
	require.Equal(t, []string{"wamid.0", "wamid.2", "wamid.4"}, kept)
}

// storeTextEvents stores n text messages of one customer (so one lane),
// wamid.0 to wamid.<n-1>, as one webhook commit, and returns their rows.
func storeTextEvents(t *testing.T, db store.DB, acc int64, n int) []Row {
	t.Helper()
	w := NewWriter(db, func(map[int]bool) {}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	var rows []Row
	for i := range n {
		ev := textEvent(fmt.Sprintf("wamid.%d", i), "5511900000000")
		payload, err := json.Marshal(ev)
		require.NoError(t, err)
		rows = append(rows, NewRow(acc, ev, payload, 1))
	}
	req := &request{rows: rows, done: make(chan requestDone, 1)}
	w.commit([]*request{req})
	require.NoError(t, (<-req.done).err)
	return rows
}
