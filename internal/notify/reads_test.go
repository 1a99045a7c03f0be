package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func addUser(t *testing.T, db store.DB, email string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
			VALUES (?, ?, 'agent', '!', 0, 0) RETURNING id`, email, email).Scan(&id)
	}))
	return id
}

// write runs fn in a write transaction and returns what it reported.
func write(t *testing.T, db store.DB, fn func(q store.Querier) (bool, error)) bool {
	t.Helper()
	var ok bool
	require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
		var err error
		ok, err = fn(tx)
		return err
	}))
	return ok
}

func add(t *testing.T, db store.DB, title string, now time.Time) {
	t.Helper()
	require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
		return notify.Add(context.Background(), tx, notify.KindSendFailed, title, "", "message:1", now)
	}))
}

// TestReadStateIsPerUser reads, dismisses and marks all read as one user
// and checks another user's bell is untouched.
func TestReadStateIsPerUser(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
		ana, bia := addUser(t, db, "ana@example.com"), addUser(t, db, "bia@example.com")
		for _, title := range []string{"one", "two", "three"} {
			add(t, db, title, now)
		}
		unread := func(uid int64) int {
			n, err := notify.Unread(ctx, db.Read(), uid)
			require.NoError(t, err)
			return n
		}
		require.Equal(t, 3, unread(ana))

		items, err := notify.ForUser(ctx, db.Read(), ana, 10, false)
		require.NoError(t, err)
		require.Len(t, items, 3)
		require.Equal(t, "three", items[0].Title, "newest first")
		two, one := items[1].ID, items[2].ID

		ok := write(t, db, func(q store.Querier) (bool, error) { return notify.MarkRead(ctx, q, ana, two, now) })
		require.True(t, ok)
		ok = write(t, db, func(q store.Querier) (bool, error) { return notify.MarkRead(ctx, q, ana, two, now) })
		require.True(t, ok, "reading twice is fine")
		ok = write(t, db, func(q store.Querier) (bool, error) { return notify.Dismiss(ctx, q, ana, one, now) })
		require.True(t, ok)
		ok = write(t, db, func(q store.Querier) (bool, error) { return notify.MarkRead(ctx, q, ana, 999999, now) })
		require.False(t, ok, "no such notification")

		require.Equal(t, 1, unread(ana))
		require.Equal(t, 3, unread(bia), "another user's bell is untouched")
		items, err = notify.ForUser(ctx, db.Read(), ana, 10, false)
		require.NoError(t, err)
		require.Len(t, items, 2, "the dismissed one is hidden")
		require.False(t, items[0].Read)
		require.True(t, items[1].Read)
		items, err = notify.ForUser(ctx, db.Read(), ana, 10, true)
		require.NoError(t, err)
		require.Len(t, items, 3)
		require.True(t, items[2].Dismissed)

		write(t, db, func(q store.Querier) (bool, error) { return true, notify.MarkAllRead(ctx, q, ana) })
		require.Equal(t, 0, unread(ana))
		add(t, db, "four", now)
		require.Equal(t, 1, unread(ana), "a newer one is unread again")
		require.Equal(t, 4, unread(bia))

		// Every notification appended a live event for the bells.
		var events int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM live_events WHERE kind = ?`, notify.LiveKind).Scan(&events))
		require.Equal(t, 4, events)
	})
}

// TestUnreadCountStopsAtTheCap: a flood counts as 100.
func TestUnreadCountStopsAtTheCap(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	uid := addUser(t, db, "ana@example.com")
	now := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
		for range 130 {
			if err := notify.Add(context.Background(), tx, notify.KindSendFailed, "x", "", "", now); err != nil {
				return err
			}
		}
		return nil
	}))
	n, err := notify.Unread(context.Background(), db.Read(), uid)
	require.NoError(t, err)
	require.Equal(t, 100, n)
}
