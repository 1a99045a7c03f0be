package intake

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
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
		d := loggingDispatcher(db, &log, "")
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

// The batch hook sees every decoded event after the locks and before any is
// applied one by one; what it applied is only marked processed, the rest
// goes through process in order. When an event fails, the careful attempt
// that follows applies every event through process alone: what the hook
// did went with the rolled-back first attempt.
func TestBatchHookAppliesFirstAndProcessTheRest(t *testing.T) {
	t.Parallel()
	for _, failing := range []string{"", "wamid.2"} {
		t.Run("failing "+failing, func(t *testing.T) { batchHookCase(t, failing) })
	}
}

func batchHookCase(t *testing.T, failing string) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		rows := storeTextEvents(t, db, newAccount(t, db), 5)
		var log []string
		d := loggingDispatcher(db, &log, failing)
		d.LockFirst(func(_ context.Context, _ store.Tx, evs []whatsapp.Event) error {
			log = append(log, "lock "+strconv.Itoa(len(evs)))
			return nil
		})
		d.ApplyBatchFirst(func(_ context.Context, _ store.Tx, signers []int64, evs []whatsapp.Event) ([]bool, error) {
			log = append(log, "batch "+strconv.Itoa(len(evs)))
			require.Equal(t, slices.Repeat([]int64{rows[0].AccountID}, 5), signers)
			return []bool{false, true, false, true, false}, nil // wamid.1 and wamid.3
		})
		n, err := d.ProcessBatch(ctx, rows[0].Partition%d.lanes)
		require.NoError(t, err)
		require.Equal(t, 5, n)
		want := []string{"lock 5", "batch 5", "apply wamid.0", "apply wamid.2", "apply wamid.4"}
		if failing != "" {
			want = append([]string{"lock 5", "batch 5", "apply wamid.0", "apply wamid.2"},
				"lock 5", "apply wamid.0", "apply wamid.1", "apply wamid.2", "apply wamid.3", "apply wamid.4")
		}
		require.Equal(t, want, log, "failing %q", failing)
		pending, err := Pending(ctx, db.Read())
		require.NoError(t, err)
		require.Zero(t, pending)
		var errored int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM inbound_events WHERE last_error <> ''`).Scan(&errored))
		require.Equal(t, map[string]int{"": 0, "wamid.2": 1}[failing], errored)
	})
}

// loggingDispatcher is a Dispatcher whose process logs "apply <wamid>" and
// fails the event whose wamid is failing with a named error.
func loggingDispatcher(db store.DB, log *[]string, failing string) *Dispatcher {
	return NewDispatcher(db, func(_ context.Context, _ store.Tx, _ int64, ev whatsapp.Event) error {
		*log = append(*log, "apply "+ev.Message.ID)
		if ev.Message.ID == failing {
			return apperr.Invalid("from", "bad", "bad")
		}
		return nil
	}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now, time.Hour)
}
