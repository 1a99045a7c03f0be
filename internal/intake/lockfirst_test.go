package intake

import (
	"context"
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

// A batch hands all its decoded events to the lock hook before it applies
// the first one (messaging locks the rows they update, in one order).
func TestBatchLocksBeforeItApplies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		rows := storeTextEvents(t, db, newAccount(t, db), 5)

		var log []string
		d := NewDispatcher(db, func(_ context.Context, _ store.Tx, _ int64, ev whatsapp.Event) error {
			log = append(log, "apply "+ev.Message.ID)
			return nil
		}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now, time.Hour)
		d.LockFirst(func(_ context.Context, _ store.Tx, evs []whatsapp.Event) error {
			for _, ev := range evs {
				log = append(log, "lock "+ev.Message.ID)
			}
			return nil
		})
		n, err := d.ProcessBatch(ctx, rows[0].Partition%d.lanes)
		require.NoError(t, err)
		require.Equal(t, 5, n)
		require.Equal(t, []string{"lock wamid.0", "lock wamid.1", "lock wamid.2", "lock wamid.3", "lock wamid.4",
			"apply wamid.0", "apply wamid.1", "apply wamid.2", "apply wamid.3", "apply wamid.4"}, log)
	})
}
