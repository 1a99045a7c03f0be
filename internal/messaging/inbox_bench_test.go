package messaging_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// inboxBenchSize is how many conversations the inbox benchmark seeds.
const inboxBenchSize = 100_000

// seedInbox fills db with n conversations of one sender, two messages
// each (the customer's, then a reply), every fifth unassigned and the
// rest spread over four agents, every tenth resolved.
func seedInbox(tb testing.TB, db store.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	require.NoError(tb, db.InTx(ctx, func(tx store.Tx) error {
		for _, q := range []string{
			`INSERT INTO accounts (id, name, waba_id, created_at, updated_at) VALUES (1, 'bench', 'w1', 0, 0)`,
			`INSERT INTO senders (id, account_id, phone_number_id, created_at, updated_at) VALUES (1, 1, 'p1', 0, 0)`,
			`INSERT INTO contacts (id, wa_id, phone, profile_name, created_at, updated_at)
				WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				SELECT i, '55119' || i, '+55119' || i, 'Customer ' || i, 0, 0 FROM n`,
			`INSERT INTO conversations (id, sender_id, contact_id, started_at, last_message_at, last_inbound_at, window_expires_at,
					assigned_user_id, resolved_at, created_at, updated_at)
				WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				SELECT i, 1, i, i * 1000, i * 1000 + 500, i * 1000, i * 1000 + 86400000,
					i % 5, CASE WHEN i % 10 = 0 THEN i * 1000 + 900 ELSE 0 END, 0, 0 FROM n`,
			`INSERT INTO messages (id, conversation_id, direction, type, summary, status, occurred_at, created_at, updated_at)
				WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				SELECT 2 * i - 1, i, 'in', 'text', 'hello, order number ' || i, 'received', i * 1000, i * 1000, i * 1000 FROM n`,
			`INSERT INTO messages (id, conversation_id, direction, type, summary, status, occurred_at, created_at, updated_at, source)
				WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				SELECT 2 * i, i, 'out', 'text', 'thanks, we are on it', 'sent', i * 1000 + 500, i * 1000 + 500, i * 1000 + 500,
					'agent:' || (i % 5) FROM n`,
		} {
			var args []any
			if strings.Contains(q, "?") {
				args = []any{n}
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	}))
	// What the background indexer would have done by now (SQLite).
	require.NoError(tb, store.IndexSearchAll(ctx, db))
}

// BenchmarkInboxList measures one page (50 rows) of the inbox list with
// 100,000 conversations, on each database: the list as an admin sees it,
// as a restricted agent sees it, "mine", "unassigned", "resolved", and
// searches by name, by message text and by a rare number. PostgreSQL's
// tables are analyzed after the seed, as autovacuum does within a minute
// of a bulk load: before that its planner takes the fresh tables for
// empty (the restricted list then sorted 30,000 rows: 82 ms instead of 1).
func BenchmarkInboxList(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) { benchmarkInboxList(b, storetest.New(b, d)) })
	}
}

func benchmarkInboxList(b *testing.B, db store.DB) {
	seedInbox(b, db, inboxBenchSize)
	ctx := context.Background()
	if db.Dialect() == store.Postgres {
		require.NoError(b, db.InTx(ctx, func(tx store.Tx) error { _, err := tx.Exec(ctx, `ANALYZE`); return err }))
	}
	svc := messaging.New(db, nil, nil, func() time.Time { return time.UnixMilli(inboxBenchSize * 1000) }, nil)
	for _, c := range []struct {
		name string
		f    messaging.InboxFilter
	}{
		{"all", messaging.InboxFilter{Viewer: messaging.Viewer{UserID: 1, All: true}}},
		{"restricted", messaging.InboxFilter{Viewer: messaging.Viewer{UserID: 2}}},
		{"mine", messaging.InboxFilter{Viewer: messaging.Viewer{UserID: 3, All: true}, Filter: messaging.FilterMine}},
		{"unassigned", messaging.InboxFilter{Viewer: messaging.Viewer{UserID: 3, All: true}, Filter: messaging.FilterUnassigned}},
		{"resolved", messaging.InboxFilter{Viewer: messaging.Viewer{UserID: 1, All: true}, Filter: messaging.FilterResolved}},
		{"search_name", messaging.InboxFilter{Viewer: messaging.Viewer{UserID: 1, All: true}, Query: "customer 9999"}},
		{"search_text", messaging.InboxFilter{Viewer: messaging.Viewer{UserID: 1, All: true}, Query: "order number 4242"}},
		// A word few rows share: the index narrows to it at once (the
		// two above share most of their trigrams with every row).
		{"search_rare", messaging.InboxFilter{Viewer: messaging.Viewer{UserID: 1, All: true}, Query: "99999"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				items, err := svc.Inbox(ctx, c.f)
				if err != nil || len(items) == 0 {
					b.Fatalf("inbox: %d items, %v", len(items), err)
				}
			}
		})
	}
}
