package intake

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

func newAccount(t *testing.T, db store.DB) int64 {
	t.Helper()
	var id int64
	require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO accounts (name, waba_id, created_at, updated_at) VALUES ('a', '1', 0, 0) RETURNING id`).Scan(&id)
	}))
	return id
}

func textEvent(wamid, from string) whatsapp.Event {
	return whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: "1", PhoneNumberID: "100",
		Message: &whatsapp.InboundMessage{ID: wamid, From: from, Timestamp: time.Unix(1700000000, 0), Type: "text", Text: &whatsapp.Text{Body: "oi"}}}
}

func rowFor(accountID int64, ev whatsapp.Event) Row {
	return NewRow(accountID, ev, []byte(`{}`), 1)
}

func countEvents(t *testing.T, db store.DB) int {
	var n int
	require.NoError(t, db.Read().QueryRow(context.Background(), `SELECT COUNT(*) FROM inbound_events`).Scan(&n))
	return n
}

// TestWriterGroupIsAllOrNothing shows a failing commit stores nothing of
// any request grouped into it: here one row names an account that does not
// exist, so the foreign key fails the whole transaction.
func TestWriterGroupIsAllOrNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		acc := newAccount(t, db)
		woken := map[int]bool{}
		var mu sync.Mutex
		w := NewWriter(db, func(p map[int]bool) {
			mu.Lock()
			defer mu.Unlock()
			for k := range p {
				woken[k] = true
			}
		}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		// Not started: requests queue up and are committed as one group.
		rows := make([]Row, 0, 500)
		for i := range 500 {
			rows = append(rows, rowFor(acc, textEvent(fmt.Sprintf("wamid.%d", i), "5511900000000")))
		}
		bad := rowFor(acc+1000, textEvent("wamid.bad", "5511900000001"))
		reqs := []*request{
			{rows: rows, done: make(chan requestDone, 1)},
			{rows: []Row{bad}, done: make(chan requestDone, 1)},
		}
		w.commit(reqs)
		for _, r := range reqs {
			d := <-r.done
			require.Error(t, d.err)
		}
		require.Equal(t, 0, countEvents(t, db))
		require.Empty(t, woken, "nothing committed, nobody woken")

		// The same rows without the bad one commit whole.
		ok := &request{rows: rows, done: make(chan requestDone, 1)}
		w.commit([]*request{ok})
		d := <-ok.done
		require.NoError(t, d.err)
		require.Equal(t, Result{Stored: 500}, d.res)
		require.Equal(t, 500, countEvents(t, db))
		require.NotEmpty(t, woken)
	})
}

// TestWriterCountsDuplicatesWithinAndAcrossGroups shows a key is stored
// once whether its repeat arrives in the same group or later.
func TestWriterCountsDuplicatesWithinAndAcrossGroups(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		acc := newAccount(t, db)
		w := NewWriter(db, func(map[int]bool) {}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		ev := textEvent("wamid.same", "5511900000000")
		a := &request{rows: []Row{rowFor(acc, ev)}, done: make(chan requestDone, 1)}
		b := &request{rows: []Row{rowFor(acc, ev), rowFor(acc, textEvent("wamid.other", "5511900000000"))}, done: make(chan requestDone, 1)}
		w.commit([]*request{a, b})
		da, db2 := <-a.done, <-b.done
		require.NoError(t, da.err)
		require.NoError(t, db2.err)
		require.Equal(t, Result{Stored: 1}, da.res)
		require.Equal(t, Result{Stored: 1, Duplicates: 1}, db2.res)

		w.Start()
		defer w.Close()
		res, err := w.Submit(context.Background(), []Row{rowFor(acc, ev)})
		require.NoError(t, err)
		require.Equal(t, Result{Duplicates: 1}, res)
		require.Equal(t, 2, countEvents(t, db))
	})
}

func TestPartitionKeepsAConversationTogether(t *testing.T) {
	t.Parallel()
	msg := textEvent("wamid.1", "5511988887777")
	status := whatsapp.Event{Kind: whatsapp.EventStatus, PhoneNumberID: "100",
		Status: &whatsapp.Status{ID: "wamid.out", Status: "read", RecipientID: "5511988887777"}}
	require.Equal(t, PartitionOf(msg), PartitionOf(status), "a customer's messages and our statuses to them share a lane")
	seen := map[int]bool{}
	for i := range 200 {
		p := PartitionOf(textEvent("w", fmt.Sprintf("55119%08d", i)))
		require.True(t, p >= 0 && p < Partitions)
		seen[p] = true
	}
	require.Greater(t, len(seen), Partitions/2, "customers spread over the partitions")
}

func TestSubmitAfterCloseFails(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	w := NewWriter(db, func(map[int]bool) {}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.Start()
	w.Close()
	_, err := w.Submit(context.Background(), []Row{{}})
	require.ErrorIs(t, err, ErrClosed)
}

// TestWriterBoundsQueuedBytes: payload bytes waiting for a commit are
// bounded; past the bound Submit waits, and gives up with its request's
// context (the webhook is answered 503 and Meta retries), while the bytes
// of every finished request are given back.
func TestWriterBoundsQueuedBytes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		acc := newAccount(t, db)
		w := NewWriter(db, func(map[int]bool) {}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		w.Start()
		defer w.Close()
		ctx := context.Background()

		// Something else holds all but 10 bytes of the bound.
		require.NoError(t, w.queued.Acquire(ctx, maxQueuedBytes-10))
		big := NewRow(acc, textEvent("wamid.big", "5511999990001"), []byte(`{"a":"0123456789"}`), 1)
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := w.Submit(short, []Row{big})
		require.ErrorIs(t, err, context.DeadlineExceeded, "over the bound: waits, then gives up")
		require.Zero(t, countEvents(t, db))

		w.queued.Release(maxQueuedBytes - 10)
		for i := range 3 {
			res, err := w.Submit(ctx, []Row{NewRow(acc, textEvent(fmt.Sprint("wamid.", i), "5511999990001"), []byte(`{"a":"0123456789"}`), 1)})
			require.NoError(t, err)
			require.Equal(t, 1, res.Stored)
		}
		require.True(t, w.queued.TryAcquire(maxQueuedBytes), "every committed request gave its bytes back")
		w.queued.Release(maxQueuedBytes)
	})
}
