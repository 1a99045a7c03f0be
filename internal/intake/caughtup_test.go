package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// caughtUpWorld is a SQLite writer with ApplyWhenCaughtUp: apply logs
// each call's events and fails with failing when it is set.
type caughtUpWorld struct {
	db      store.DB
	acc     int64
	o       *onStoreWorld // its commit helper and woken lanes
	calls   []string
	failing error
}

func newCaughtUpWorld(t *testing.T) *caughtUpWorld {
	db := storetest.New(t, store.SQLite)
	c := &caughtUpWorld{db: db, acc: newAccount(t, db), o: &onStoreWorld{woken: map[int]bool{}}}
	c.o.w = NewWriter(db, func(p map[int]bool) { maps.Copy(c.o.woken, p) }, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	c.o.w.ApplyWhenCaughtUp(func(_ context.Context, _ store.Tx, signers []int64, evs []whatsapp.Event) error {
		var ids []string
		for i, ev := range evs {
			require.Equal(t, c.acc, signers[i])
			ids = append(ids, ev.DedupeKey())
		}
		c.calls = append(c.calls, strings.Join(ids, " "))
		return c.failing
	})
	return c
}

func (c *caughtUpWorld) pending(t *testing.T) int {
	t.Helper()
	n, err := Pending(context.Background(), c.db.Read())
	require.NoError(t, err)
	return n
}

// TestWriterAppliesEveryEventWhenCaughtUp: with nothing pending, a commit
// applies every event it inserts, once, in id order, and stores them
// processed (at their receipt, attempted once) without waking a lane; a
// repeat of a stored key is not applied again.
func TestWriterAppliesEveryEventWhenCaughtUp(t *testing.T) {
	t.Parallel()
	c := newCaughtUpWorld(t)
	b, a := textEvent("wamid.b", "5511900000002"), textEvent("wamid.a", "5511900000001")
	st := storeStatus("wamid.out", "5511900000001")
	require.Equal(t, Result{Stored: 3, Duplicates: 1}, c.o.commit(t, rowFor(c.acc, b), rowFor(c.acc, a), rowFor(c.acc, st), rowFor(c.acc, a)))
	require.Equal(t, []string{strings.Join([]string{a.DedupeKey(), b.DedupeKey(), st.DedupeKey()}, " ")}, c.calls,
		"one call, every new event once, in the order of their ids")
	var order []string
	rows, err := c.db.Read().Query(context.Background(), `SELECT dedupe_key FROM inbound_events ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		order = append(order, k)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Equal(t, strings.Split(c.calls[0], " "), order)
	for _, ev := range []whatsapp.Event{a, b, st} {
		require.Equal(t, [2]int64{1, 1}, eventState(t, c.db, ev.DedupeKey()))
	}
	require.Empty(t, c.o.woken)
	require.Zero(t, c.pending(t))

	c.calls = nil
	d := textEvent("wamid.d", "5511900000004")
	require.Equal(t, Result{Stored: 1, Duplicates: 1}, c.o.commit(t, rowFor(c.acc, b), rowFor(c.acc, d)))
	require.Equal(t, []string{d.DedupeKey()}, c.calls, "the stored key is not applied again")
}

// TestWriterStoresPendingUnlessCaughtUp: a commit whose apply fails, for
// the event's own fault or not, stores every event pending and wakes
// their lanes; while an event is pending, later commits store theirs
// pending behind it without applying (a lane keeps their order); once
// nothing is pending they are applied again; and a commit past
// maxAppliedOnStore events stores them pending for the lane's steps.
func TestWriterStoresPendingUnlessCaughtUp(t *testing.T) {
	t.Parallel()
	for _, failing := range []error{apperr.Invalid("from", "invalid_phone", "not a phone number"), errors.New("disk I/O error")} {
		c := newCaughtUpWorld(t)
		c.failing = failing
		bad := textEvent("wamid.bad", "5511900000001")
		require.Equal(t, Result{Stored: 1}, c.o.commit(t, rowFor(c.acc, bad)), "the webhook does not fail")
		require.Len(t, c.calls, 1)
		require.Equal(t, [2]int64{0, 0}, eventState(t, c.db, bad.DedupeKey()))
		require.Equal(t, map[int]bool{PartitionOf(bad): true}, c.o.woken)

		c.failing, c.calls, c.o.woken = nil, nil, map[int]bool{}
		next := textEvent("wamid.next", "5511900000002")
		require.Equal(t, Result{Stored: 1}, c.o.commit(t, rowFor(c.acc, next)))
		require.Empty(t, c.calls, "an older event is pending")
		require.Equal(t, [2]int64{0, 0}, eventState(t, c.db, next.DedupeKey()))
		require.Equal(t, map[int]bool{PartitionOf(next): true}, c.o.woken)
		require.Equal(t, 2, c.pending(t))

		// The lane applies both.
		require.NoError(t, c.db.InTx(context.Background(), func(tx store.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE inbound_events SET processed_at = 5, attempts = 1`)
			return err
		}))
		third := textEvent("wamid.third", "5511900000003")
		require.Equal(t, Result{Stored: 1}, c.o.commit(t, rowFor(c.acc, third)))
		require.Equal(t, []string{third.DedupeKey()}, c.calls)
		require.Equal(t, [2]int64{1, 1}, eventState(t, c.db, third.DedupeKey()))

		c.calls = nil
		many := make([]Row, maxAppliedOnStore+1)
		for i := range many {
			many[i] = rowFor(c.acc, textEvent(fmt.Sprintf("wamid.many-%d", i), "5511900000005"))
		}
		require.Equal(t, Result{Stored: len(many)}, c.o.commit(t, many...))
		require.Empty(t, c.calls)
		require.Equal(t, len(many), c.pending(t))
	}
}
