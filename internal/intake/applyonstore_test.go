package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// storeStatus is a delivery status of our message wamid to customer to.
func storeStatus(wamid, to string) whatsapp.Event {
	return whatsapp.Event{Kind: whatsapp.EventStatus, WABAID: "1", PhoneNumberID: "100",
		Status: &whatsapp.Status{ID: wamid, Status: "delivered", RecipientID: to}}
}

// onStoreWorld is a writer with fake ApplyOnStore functions: pick takes
// statuses, apply takes those whose wamid is in takes (and fails when
// failing is set), and each call is logged.
type onStoreWorld struct {
	w       *Writer
	mu      sync.Mutex
	log     []string
	woken   map[int]bool
	takes   map[string]bool
	failing error
}

func newOnStoreWorld(db store.DB) *onStoreWorld {
	o := &onStoreWorld{woken: map[int]bool{}, takes: map[string]bool{}}
	o.w = NewWriter(db, func(p map[int]bool) {
		o.mu.Lock()
		defer o.mu.Unlock()
		maps.Copy(o.woken, p)
	}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	pick := func(ev whatsapp.Event) bool { return ev.Kind == whatsapp.EventStatus }
	lock := func(_ context.Context, _ store.Tx, evs []whatsapp.Event) error {
		o.log = append(o.log, "lock "+wamids(evs))
		return nil
	}
	apply := func(_ context.Context, _ store.Tx, signers []int64, evs []whatsapp.Event) ([]bool, error) {
		o.log = append(o.log, fmt.Sprintf("apply %s by %v", wamids(evs), signers))
		if o.failing != nil {
			return nil, o.failing
		}
		done := make([]bool, len(evs))
		for i, ev := range evs {
			done[i] = o.takes[ev.Status.ID]
		}
		return done, nil
	}
	o.w.ApplyOnStore(pick, lock, apply)
	return o
}

func wamids(evs []whatsapp.Event) string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Status.ID)
	}
	return fmt.Sprint(out)
}

// commit stores rows as one group and returns the result.
func (o *onStoreWorld) commit(t *testing.T, rows ...Row) Result {
	t.Helper()
	r := &request{rows: rows, done: make(chan requestDone, 1)}
	o.w.commit([]*request{r})
	d := <-r.done
	require.NoError(t, d.err)
	return d.res
}

// eventState is an event's processed_at (0: pending) and attempts.
func eventState(t *testing.T, db store.DB, key string) [2]int64 {
	t.Helper()
	var s [2]int64
	require.NoError(t, db.Read().QueryRow(context.Background(), `SELECT processed_at, attempts FROM inbound_events WHERE dedupe_key = ?`, key).Scan(&s[0], &s[1]))
	return s
}

// TestWriterAppliesPickedEventsAsItStoresThem: the new events pick
// chooses are locked and applied in the commit, once each, duplicates
// not at all; those applied are stored processed and wake no lane, those
// apply leaves are stored pending and wake theirs, and the rest are
// stored as always.
func TestWriterAppliesPickedEventsAsItStoresThem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		acc := newAccount(t, db)
		o := newOnStoreWorld(db)
		// Customers in three different partitions.
		taken, left, text := storeStatus("wamid.taken", "5511900000001"), storeStatus("wamid.left", "5511900000002"), textEvent("wamid.in", "5511900000003")
		require.Len(t, map[int]bool{PartitionOf(taken): true, PartitionOf(left): true, PartitionOf(text): true}, 3)
		o.takes["wamid.taken"] = true

		old := storeStatus("wamid.old", "5511900000001")
		require.Equal(t, Result{Stored: 1}, o.commit(t, rowFor(acc, old)))
		require.Equal(t, []string{"lock [wamid.old]", fmt.Sprintf("apply [wamid.old] by [%d]", acc)}, o.log)
		require.Equal(t, [2]int64{0, 0}, eventState(t, db, old.DedupeKey()), "left by apply: pending")
		o.log, o.woken = nil, map[int]bool{}

		res := o.commit(t, rowFor(acc, text), rowFor(acc, taken), rowFor(acc, left), rowFor(acc, taken), rowFor(acc, old))
		require.Equal(t, Result{Stored: 3, Duplicates: 2}, res)
		require.Len(t, o.log, 2)
		require.Equal(t, "lock [wamid.left wamid.taken]", o.log[0], "new picked events only, in key order, once")
		require.Equal(t, fmt.Sprintf("apply [wamid.left wamid.taken] by [%d %d]", acc, acc), o.log[1])
		require.Equal(t, [2]int64{1, 1}, eventState(t, db, taken.DedupeKey()), "applied: stored processed (at its receipt), attempted once")
		require.Equal(t, [2]int64{0, 0}, eventState(t, db, left.DedupeKey()))
		require.Equal(t, [2]int64{0, 0}, eventState(t, db, text.DedupeKey()))
		require.Equal(t, map[int]bool{PartitionOf(left): true, PartitionOf(text): true}, o.woken)
		pending, err := Pending(context.Background(), db.Read())
		require.NoError(t, err)
		require.Equal(t, 3, pending, "old, left and the text")
	})
}

// TestWriterStoresPendingWhenApplyFails: a failing apply (or lock) loses
// nothing and fails no webhook: the commit is redone with every event
// pending, and every lane concerned is woken.
func TestWriterStoresPendingWhenApplyFails(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		acc := newAccount(t, db)
		o := newOnStoreWorld(db)
		o.takes["wamid.a"] = true
		o.failing = errors.New("deadlock detected")
		a, text := storeStatus("wamid.a", "5511900000001"), textEvent("wamid.in", "5511900000003")
		require.Equal(t, Result{Stored: 2}, o.commit(t, rowFor(acc, a), rowFor(acc, text)))
		require.Equal(t, []string{"lock [wamid.a]", fmt.Sprintf("apply [wamid.a] by [%d]", acc)}, o.log, "tried once")
		require.Equal(t, [2]int64{0, 0}, eventState(t, db, a.DedupeKey()))
		require.Equal(t, [2]int64{0, 0}, eventState(t, db, text.DedupeKey()))
		require.Equal(t, map[int]bool{PartitionOf(a): true, PartitionOf(text): true}, o.woken)
		require.Equal(t, 2, countEvents(t, db))
	})
}
