package messaging_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// teamDB seeds n conversations (ids 1..n, no messages) and the given
// agents (ids from 1), and returns the services over it.
func teamDB(t *testing.T, db store.DB, n int, agents ...string) (*messaging.Service, *messaging.Team, *settings.Store) {
	t.Helper()
	ctx := context.Background()
	seedInbox(t, db, n)
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM messages`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE conversations SET assigned_user_id = 0, resolved_at = 0`); err != nil {
			return err
		}
		for i, name := range agents {
			if _, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
				VALUES (?, ?, ?, 'agent', '!', 0, 0)`, i+1, name+"@example.com", name); err != nil {
				return err
			}
		}
		return nil
	}))
	now := func() time.Time { return time.UnixMilli(1_000_000_000) }
	st := settings.New(db, now, 0)
	svc := messaging.New(db, nil, st, now, nil)
	return svc, messaging.NewTeam(svc, live.New(db, now)), st
}

// TestAutoAssignConcurrentTurns runs the inbound hook of ten new
// conversations at once (as two instances would): each conversation gets
// exactly one agent, and the two agents share them evenly.
func TestAutoAssignConcurrentTurns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		_, team, st := teamDB(t, db, 10, "ana", "bia")
		require.NoError(t, settings.Put(ctx, st, agent.KeySupportAgents, agent.SupportAgentsSettings{AutoAssign: true}))
		hook := team.InboundHook()
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for id := int64(1); id <= 10; id++ {
			wg.Go(func() {
				errs <- db.InTx(ctx, func(tx store.Tx) error {
					return hook(ctx, tx, messaging.InboundEvent{ConversationID: id, NewConversation: true})
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		var n, ana, bia int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN user_id = 1 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN user_id = 2 THEN 1 ELSE 0 END), 0)
			FROM assignments WHERE automatic`).Scan(&n, &ana, &bia))
		require.Equal(t, 10, n, "one assignment per new conversation")
		require.Equal(t, 5, ana)
		require.Equal(t, 5, bia)
		var unassigned int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM conversations WHERE assigned_user_id = 0`).Scan(&unassigned))
		require.Zero(t, unassigned)
	})
}

// TestAgentStatsMedianFirstResponse shows the per-agent table: replies in
// the period, the median first response over the conversations an agent
// answered first, and the open chats assigned now.
func TestAgentStatsMedianFirstResponse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		svc, _, _ := teamDB(t, db, 4, "ana", "bia")
		const minute = int64(60_000)
		base := int64(10_000_000)
		// Conversations 1-3: the customer writes at base, ana answers
		// after 1, 3 and 10 minutes (then again, not a first response);
		// conversation 4 is bia's, 2 minutes, and the customer's message
		// before the period does not count.
		rows := []struct {
			conv     int64
			dir, src string
			at       int64
		}{
			{1, "in", "", base}, {1, "out", "agent:1", base + 1*minute}, {1, "out", "agent:1", base + 2*minute},
			{2, "in", "", base}, {2, "out", "agent:1", base + 3*minute},
			{3, "in", "", base}, {3, "in", "", base + minute}, {3, "out", "agent:1", base + 10*minute},
			{4, "in", "", base - 100*minute}, {4, "in", "", base}, {4, "out", "agent:2", base + 2*minute},
		}
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			for i, r := range rows {
				if _, err := tx.Exec(ctx, `INSERT INTO messages (id, conversation_id, direction, type, summary, status, occurred_at, created_at, updated_at, source)
					VALUES (?, ?, ?, 'text', '', 'sent', ?, ?, ?, ?)`, i+1, r.conv, r.dir, r.at, r.at, r.at, r.src); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `UPDATE conversations SET assigned_user_id = 1 WHERE id IN (1, 2)`)
			return err
		}))
		stats, err := svc.AgentStats(ctx, time.UnixMilli(base-minute), time.UnixMilli(base+60*minute))
		require.NoError(t, err)
		require.Len(t, stats, 2)
		require.Equal(t, messaging.AgentStats{UserID: 1, Name: "ana", OpenChats: 2, Replies: 4, FirstResponse: 3 * time.Minute, Answered: 3}, stats[0])
		require.Equal(t, messaging.AgentStats{UserID: 2, Name: "bia", OpenChats: 0, Replies: 1, FirstResponse: 2 * time.Minute, Answered: 1}, stats[1])
	})
}

// TestInboxUnreadAndSearch checks the list query directly: unread counts
// inbound messages after the read mark, search matches message text
// case-insensitively and literally (a % is no wildcard).
func TestInboxUnreadAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		seedInbox(t, db, 30)
		now := func() time.Time { return time.UnixMilli(1_000_000) }
		svc := messaging.New(db, nil, settings.New(db, now, 0), now, nil)
		team := messaging.NewTeam(svc, live.New(db, now))
		all := messaging.Viewer{All: true}

		items, err := svc.Inbox(ctx, messaging.InboxFilter{Viewer: all, Query: "ORDER NUMBER 17"})
		require.NoError(t, err)
		require.Len(t, items, 1)
		require.Equal(t, int64(17), items[0].ID)
		require.Equal(t, 1, items[0].Unread)
		require.Equal(t, "thanks, we are on it", items[0].Preview)
		items, err = svc.Inbox(ctx, messaging.InboxFilter{Viewer: all, Query: "100%"})
		require.NoError(t, err)
		require.Empty(t, items, "% matches itself only")
		items, err = svc.Inbox(ctx, messaging.InboxFilter{Viewer: all, Query: "30", Filter: messaging.FilterResolved})
		require.NoError(t, err)
		require.Len(t, items, 1, "a two-character search (no trigram) still finds the number")
		require.Equal(t, int64(30), items[0].ID)

		require.NoError(t, team.MarkRead(ctx, 17, 1))
		items, err = svc.Inbox(ctx, messaging.InboxFilter{Viewer: all, Query: "order number 17"})
		require.NoError(t, err)
		require.Zero(t, items[0].Unread)

		// A message the search index (SQLite, filled in the background)
		// has not reached is found all the same, and again once indexed;
		// an indexed message's new text replaces its old one, and a
		// deleted one leaves the index consistent.
		search := func(q string) []int64 {
			t.Helper()
			items, err := svc.Inbox(ctx, messaging.InboxFilter{Viewer: all, Query: q})
			require.NoError(t, err)
			ids := []int64{}
			for _, it := range items {
				ids = append(ids, it.ID)
			}
			return ids
		}
		exec := func(q string, args ...any) {
			t.Helper()
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }))
		}
		exec(`INSERT INTO messages (id, conversation_id, direction, type, summary, status, occurred_at, created_at, updated_at)
			VALUES (1000, 5, 'in', 'text', 'Novo pedido URGENTE', 'received', 0, 0, 0)`)
		require.Equal(t, []int64{5}, search("pedido urg"), "not indexed yet")
		added, err := store.IndexSearch(ctx, db)
		require.NoError(t, err)
		if db.Dialect() == store.SQLite {
			require.Equal(t, 1, added)
			var n int
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM message_search WHERE message_search MATCH '"pedido urg"'`).Scan(&n))
			require.Equal(t, 1, n, "in the index now")
		}
		require.Equal(t, []int64{5}, search("pedido urg"), "indexed")
		exec(`UPDATE messages SET summary = 'outro assunto' WHERE id = 1000`)
		require.Empty(t, search("pedido urg"))
		require.Equal(t, []int64{5}, search("outro assunto"))
		exec(`DELETE FROM messages WHERE id = 1000`)
		require.Empty(t, search("outro assunto"))
		// SQLite hands out ids below the index's mark again after a
		// delete (here 61, the highest plus one): such a row is indexed at once.
		exec(`INSERT INTO messages (id, conversation_id, direction, type, summary, status, occurred_at, created_at, updated_at)
			VALUES (61, 7, 'in', 'text', 'segunda via do boleto', 'received', 0, 0, 0)`)
		require.Equal(t, []int64{7}, search("via do bol"))
		if db.Dialect() == store.SQLite {
			var n int
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM message_search WHERE message_search MATCH '"via do bol"'`).Scan(&n))
			require.Equal(t, 1, n, "indexed by the insert")
			exec(`INSERT INTO message_search (message_search) VALUES ('integrity-check')`)
		}

		restricted, err := svc.Inbox(ctx, messaging.InboxFilter{Viewer: messaging.Viewer{UserID: 2}, Limit: 200})
		require.NoError(t, err)
		for _, it := range restricted {
			require.Contains(t, []int64{0, 2}, it.AssignedUserID, "a restricted viewer sees only theirs and unassigned")
			require.False(t, it.Resolved)
		}
		require.NotEmpty(t, restricted)
	})
}
