package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// appendEvent commits one event for conversation conv through hub.
func appendEvent(t *testing.T, db store.DB, hub *live.Hub, conv int64) {
	t.Helper()
	require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
		return hub.Append(context.Background(), tx, live.Event{Kind: live.KindNote, ConversationID: conv})
	}))
}

// receive waits for the next event of sub (the test's deadline: a lost
// event fails here).
func receive(t *testing.T, b *live.Broker, sub *live.Sub) live.Event {
	t.Helper()
	return collect(t, b, sub, 1)[0]
}

// takeSome waits for the next events of sub, however many come at once.
func takeSome(t *testing.T, b *live.Broker, sub *live.Sub) []live.Event {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		evs, wait, lagged := sub.Take(nil)
		require.False(t, lagged, "the stream fell behind")
		if len(evs) > 0 {
			return evs
		}
		select {
		case <-wait:
		case <-b.Stopped():
			t.Fatal("the broker stopped")
		case <-timeout:
			t.Fatal("no event within 15 s")
		}
	}
}

// collect waits for exactly n events of sub.
func collect(t *testing.T, b *live.Broker, sub *live.Sub, n int) []live.Event {
	t.Helper()
	timeout := time.After(15 * time.Second)
	var got []live.Event
	for {
		evs, wait, lagged := sub.Take(got)
		require.False(t, lagged, "the stream fell behind")
		got = evs
		if len(got) >= n {
			require.Len(t, got, n)
			return got
		}
		select {
		case <-wait:
		case <-b.Stopped():
			t.Fatal("the broker stopped")
		case <-timeout:
			t.Fatal("no event arrived")
		}
	}
}

func startBroker(t *testing.T, hub *live.Hub, opts live.BrokerOptions) *live.Broker {
	t.Helper()
	b := live.NewBroker(hub, nil, opts)
	require.NoError(t, b.Start(context.Background()))
	t.Cleanup(b.Stop)
	return b
}

// TestBrokerHandsCommittedEventsToEverySubscriber shows a committed event
// reaches every stream at once (the local wake-up, not the slow poll,
// which is an hour here), and a rolled-back one never does.
func TestBrokerHandsCommittedEventsToEverySubscriber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		hub := live.New(db, nil)
		b := startBroker(t, hub, live.BrokerOptions{Poll: time.Hour})
		s1, s2 := b.Subscribe(), b.Subscribe()
		require.Equal(t, 2, b.Subscribers())

		rolledBack := db.InTx(context.Background(), func(tx store.Tx) error {
			require.NoError(t, hub.Append(context.Background(), tx, live.Event{Kind: live.KindNote, ConversationID: 99}))
			return store.ErrNotFound
		})
		require.ErrorIs(t, rolledBack, store.ErrNotFound)
		appendEvent(t, db, hub, 7)
		for _, s := range []*live.Sub{s1, s2} {
			ev := receive(t, b, s)
			require.Equal(t, int64(7), ev.ConversationID)
			require.Equal(t, live.KindNote, ev.Kind)
		}
		b.Unsubscribe(s1)
		require.Equal(t, 1, b.Subscribers())
		b.Stop()
		<-b.Stopped() // shutdown ends the streams
	})
}

// TestBrokerEndsAStreamThatFallsBehind shows a stream further behind than
// the ring of recent events is told to end (its browser reconnects and
// reads the rest from the database) while the others go on.
func TestBrokerEndsAStreamThatFallsBehind(t *testing.T) {
	db := storetest.New(t, store.SQLite)
	hub := live.New(db, nil)
	b := startBroker(t, hub, live.BrokerOptions{Poll: time.Hour, Ring: 2})
	slow, fast := b.Subscribe(), b.Subscribe()
	for i := range 3 {
		appendEvent(t, db, hub, int64(i+1))
		require.Equal(t, int64(i+1), receive(t, b, fast).ConversationID)
	}
	_, _, lagged := slow.Take(nil)
	require.True(t, lagged)
}

// TestBrokerHearsAnotherInstanceOnPostgres shows an event committed by
// one instance reaches the streams of another through LISTEN/NOTIFY: the
// second broker's poll is an hour and nothing wakes it locally.
func TestBrokerHearsAnotherInstanceOnPostgres(t *testing.T) {
	if !hasPostgres() {
		t.Skip(storetest.PostgresURLEnv + " not set")
	}
	db := storetest.New(t, store.Postgres)
	writer, reader := live.New(db, nil), live.New(db, nil)
	b := startBroker(t, reader, live.BrokerOptions{Poll: time.Hour})
	sub := b.Subscribe()
	// The listener connects in the background: keep committing until one
	// event arrives (each NOTIFY, or the wake-up after LISTEN, reads all).
	deadline := time.Now().Add(15 * time.Second)
	for {
		appendEvent(t, db, writer, 42)
		evs, wait, _ := sub.Take(nil)
		if len(evs) > 0 {
			require.Equal(t, int64(42), evs[0].ConversationID)
			return
		}
		select {
		case <-wait:
		case <-time.After(100 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "no event reached the other instance")
	}
}

// TestBrokerWaitsForAnOlderTransaction shows an event of a transaction
// that began first but commits last is not lost nor overtaken: PostgreSQL
// hands out ids at insert time and commits in any order, so the broker
// reads in transaction order up to the oldest transaction still running.
func TestBrokerWaitsForAnOlderTransaction(t *testing.T) {
	if !hasPostgres() {
		t.Skip(storetest.PostgresURLEnv + " not set")
	}
	db := storetest.New(t, store.Postgres)
	hub := live.New(db, nil)
	b := startBroker(t, hub, live.BrokerOptions{Poll: time.Hour})
	sub := b.Subscribe()

	inserted, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.InTx(context.Background(), func(tx store.Tx) error {
			// A transaction is ordered by its id, which it gets at its first
			// write (here; in the app, the message it stores): Append's rows
			// are written only just before the commit.
			if _, err := tx.Exec(context.Background(), `SELECT pg_current_xact_id()`); err != nil {
				return err
			}
			if err := hub.Append(context.Background(), tx, live.Event{Kind: live.KindNote, ConversationID: 1}); err != nil {
				return err
			}
			close(inserted)
			<-release
			return nil
		})
	}()
	<-inserted
	appendEvent(t, db, hub, 2) // commits first
	close(release)
	require.NoError(t, <-done)
	evs := collect(t, b, sub, 2)
	require.Equal(t, int64(1), evs[0].ConversationID, "the older transaction's event first")
	require.Equal(t, int64(2), evs[1].ConversationID)
}

// TestBrokerSkipsEventsNobodyListensTo: with no stream open the broker
// only follows the end of the table, yet a stream that opens later, reading
// its backlog from the database as the events handler does (subscribe,
// then read since its last id), misses no event, whether the broker had
// skipped ahead or not when it subscribed.
func TestBrokerSkipsEventsNobodyListensTo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		hub := live.New(db, nil)
		b := startBroker(t, hub, live.BrokerOptions{Poll: time.Hour})
		var last int64
		for round := range 12 {
			for i := range round % 4 {
				appendEvent(t, db, hub, int64(100*round+i)) // nobody listens
			}
			if round%3 == 0 {
				time.Sleep(5 * time.Millisecond) // let the broker skip ahead
			}
			sub := b.Subscribe()
			backlog, err := live.Since(ctx, db, last, 1000)
			require.NoError(t, err)
			appendEvent(t, db, hub, int64(100*round+99))
			seen := map[int64]bool{}
			var newest int64
			for _, ev := range backlog {
				seen[ev.ID] = true
				newest = max(newest, ev.ID)
			}
			// The stream may also repeat events the backlog holds (the
			// handler drops those by id): take whatever comes until the
			// round's own event arrives.
			for done := false; !done; {
				for _, ev := range takeSome(t, b, sub) {
					seen[ev.ID] = true
					if ev.ConversationID == int64(100*round+99) {
						newest, done = ev.ID, true
					}
				}
			}
			for id := last + 1; id <= newest; id++ {
				require.True(t, seen[id], "round %d: event %d missed", round, id)
			}
			b.Unsubscribe(sub)
			last = newest
		}
	})
}
