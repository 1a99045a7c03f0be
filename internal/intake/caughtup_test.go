package intake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// caughtUpWorld is a SQLite writer wired as the app wires it, with
// ApplyWhenCaughtUp over a lane, whose process is a fake
// process that logs each event's dedupe key and fails those in failing.
type caughtUpWorld struct {
	db        store.DB
	acc       int64
	o         *onStoreWorld // its commit helper and woken lanes
	lane      *Dispatcher
	processed []string
	failing   map[string]error
}

func newCaughtUpWorld(t *testing.T) *caughtUpWorld {
	db := storetest.New(t, store.SQLite)
	c := &caughtUpWorld{db: db, acc: newAccount(t, db), o: &onStoreWorld{woken: map[int]bool{}}, failing: map[string]error{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c.lane = NewDispatcher(db, func(_ context.Context, _ store.Tx, signer int64, ev whatsapp.Event) error {
		require.Equal(t, c.acc, signer)
		if err := c.failing[ev.DedupeKey()]; err != nil {
			return err
		}
		c.processed = append(c.processed, ev.Message.ID)
		return nil
	}, metrics.New(), log, time.Now, time.Hour)
	c.o.w = NewWriter(db, func(p map[int]bool) { maps.Copy(c.o.woken, p) }, metrics.New(), log)
	c.o.w.ApplyWhenCaughtUp(c.lane)
	return c
}

func (c *caughtUpWorld) commit(t *testing.T, wamids ...string) Result {
	t.Helper()
	rows := make([]Row, len(wamids))
	for i, w := range wamids {
		ev := textEvent(w, "5511900000001")
		payload, err := json.Marshal(ev) // what a lane reads back
		require.NoError(t, err)
		rows[i] = NewRow(c.acc, ev, payload, 1)
	}
	return c.o.commit(t, rows...)
}

func (c *caughtUpWorld) pending(t *testing.T) int {
	t.Helper()
	n, err := Pending(context.Background(), c.db.Read())
	require.NoError(t, err)
	return n
}

func key(wamid string) string { return textEvent(wamid, "5511900000001").DedupeKey() }

// TestWriterAppliesEveryEventWhenCaughtUp: with nothing pending, a commit
// applies every event it inserts, once, in id order, and stores them
// processed (at their receipt, attempted once) without waking a lane; a
// repeat of a stored key is not applied again.
func TestWriterAppliesEveryEventWhenCaughtUp(t *testing.T) {
	t.Parallel()
	c := newCaughtUpWorld(t)
	require.Equal(t, Result{Stored: 3, Duplicates: 1}, c.commit(t, "wamid.b", "wamid.a", "wamid.c", "wamid.a"))
	require.Equal(t, []string{"wamid.a", "wamid.b", "wamid.c"}, c.processed, "every new event once, in the order of their ids")
	var first, last int64
	require.NoError(t, c.db.Read().QueryRow(context.Background(), `SELECT MIN(id), MAX(id) FROM inbound_events`).Scan(&first, &last))
	var firstKey string
	require.NoError(t, c.db.Read().QueryRow(context.Background(), `SELECT dedupe_key FROM inbound_events WHERE id = ?`, first).Scan(&firstKey))
	require.Equal(t, key("wamid.a"), firstKey)
	for _, w := range []string{"wamid.a", "wamid.b", "wamid.c"} {
		require.Equal(t, [2]int64{1, 1}, eventState(t, c.db, key(w)))
	}
	require.Empty(t, c.o.woken)
	require.Zero(t, c.pending(t))

	c.processed = nil
	require.Equal(t, Result{Stored: 1, Duplicates: 1}, c.commit(t, "wamid.b", "wamid.d"))
	require.Equal(t, []string{"wamid.d"}, c.processed, "the stored key is not applied again")
}

// TestWriterCatchesUpBeforeApplying: a commit whose apply fails, for the
// event's own fault or not, fails no webhook and stores every event
// pending; commits after it store theirs pending behind it without
// trying again, until a lane has moved past the oldest pending event;
// then a commit first applies what is pending, oldest first, and then
// its own.
func TestWriterCatchesUpBeforeApplying(t *testing.T) {
	t.Parallel()
	for _, failure := range []error{apperr.Invalid("from", "invalid_phone", "not a phone number"), errors.New("disk I/O error")} {
		c := newCaughtUpWorld(t)
		c.failing[key("wamid.bad")] = failure
		require.Equal(t, Result{Stored: 2}, c.commit(t, "wamid.1", "wamid.bad"))
		require.Equal(t, []string{"wamid.1"}, c.processed, "tried, and rolled back")
		require.Equal(t, [2]int64{0, 0}, eventState(t, c.db, key("wamid.1")))
		require.Equal(t, [2]int64{0, 0}, eventState(t, c.db, key("wamid.bad")))
		require.NotEmpty(t, c.o.woken)

		c.processed = nil
		require.Equal(t, Result{Stored: 1}, c.commit(t, "wamid.2"))
		require.Empty(t, c.processed, "stalled: the lane has not moved")
		require.Equal(t, 3, c.pending(t))

		// The lane: its plain attempt fails, its careful one applies
		// wamid.1 and wamid.2 and marks wamid.bad with its error
		// (an error that is not the event's own stays pending).
		_, err := c.lane.ProcessBatch(context.Background(), 0)
		if _, own := apperr.As(failure); own {
			require.NoError(t, err)
			require.Equal(t, []string{"wamid.1", "wamid.1", "wamid.2"}, c.processed, "the plain attempt, rolled back, then the careful one")
			require.Zero(t, c.pending(t))
		} else {
			require.ErrorIs(t, err, failure)
			require.Equal(t, 3, c.pending(t))
			delete(c.failing, key("wamid.bad")) // the disk is back
			require.NoError(t, c.db.InTx(context.Background(), func(tx store.Tx) error {
				_, err := tx.Exec(context.Background(), `UPDATE inbound_events SET processed_at = 7, attempts = 1 WHERE dedupe_key = ?`, key("wamid.1"))
				return err
			}))
		}

		c.processed = nil
		require.Equal(t, Result{Stored: 1}, c.commit(t, "wamid.3"))
		if _, own := apperr.As(failure); own {
			require.Equal(t, []string{"wamid.3"}, c.processed)
		} else {
			require.Equal(t, []string{"wamid.bad", "wamid.2", "wamid.3"}, c.processed, "the pending ones first, in id order")
		}
		require.Zero(t, c.pending(t))
		require.Equal(t, [2]int64{1, 1}, eventState(t, c.db, key("wamid.3")))
	}
}

// TestWriterStoresRefusedEventsProcessed: an event Refuse names (here as
// messaging.Refused names a message from a WhatsApp username) is stored
// processed, attempted once, with its error, and never applied; the
// other events of its commit are applied in it as usual, nothing is
// redone pending, and the next commit is not held back.
func TestWriterStoresRefusedEventsProcessed(t *testing.T) {
	t.Parallel()
	c := newCaughtUpWorld(t)
	refusal := apperr.Invalid("from", "no_phone_number", "the message comes from a WhatsApp username")
	c.failing[key("wamid.user")] = refusal // what processing would say
	c.o.w.Refuse(func(ev whatsapp.Event) error {
		if ev.DedupeKey() == key("wamid.user") {
			return refusal
		}
		return nil
	})
	c.o.w.Start()
	defer c.o.w.Close()
	rows := make([]Row, 0, 3)
	for _, w := range []string{"wamid.1", "wamid.user", "wamid.2"} {
		ev := textEvent(w, "5511900000001")
		payload, err := json.Marshal(ev)
		require.NoError(t, err)
		rows = append(rows, NewRow(c.acc, ev, payload, 1))
	}
	res, err := c.o.w.Submit(context.Background(), rows)
	require.NoError(t, err)
	require.Equal(t, Result{Stored: 3}, res)
	require.Equal(t, []string{"wamid.1", "wamid.2"}, c.processed, "applied in the commit, the refused one never")
	for _, w := range []string{"wamid.1", "wamid.user", "wamid.2"} {
		require.Equal(t, [2]int64{1, 1}, eventState(t, c.db, key(w)), w)
	}
	var lastError string
	require.NoError(t, c.db.Read().QueryRow(context.Background(), `SELECT last_error FROM inbound_events WHERE dedupe_key = ?`, key("wamid.user")).Scan(&lastError))
	require.Equal(t, refusal.Error(), lastError)
	require.Empty(t, c.o.woken, "nothing left for a lane")
	require.Equal(t, 1.0, testutil.ToFloat64(c.o.w.metrics.EventsDropped.WithLabelValues("no_phone_number")))

	res, err = c.o.w.Submit(context.Background(), rows[2:]) // a repeat, then a new one
	require.NoError(t, err)
	require.Equal(t, Result{Duplicates: 1}, res)
	c.processed = nil
	ev := textEvent("wamid.3", "5511900000001")
	payload, err := json.Marshal(ev)
	require.NoError(t, err)
	res, err = c.o.w.Submit(context.Background(), []Row{NewRow(c.acc, ev, payload, 1)})
	require.NoError(t, err)
	require.Equal(t, Result{Stored: 1}, res)
	require.Equal(t, []string{"wamid.3"}, c.processed, "not stalled")
}
