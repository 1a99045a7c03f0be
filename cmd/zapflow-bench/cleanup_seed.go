package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// seedConfig is the history `zapflow-bench cleanup` writes straight into
// the server's database before it measures.
type seedConfig struct {
	Messages      int     // total messages
	Conversations int     // conversations (one contact each)
	OldShare      float64 // share of messages dated before the cutoff
	KeepConvShare float64 // share of conversations that also get recent messages
	Retention     int     // days; old messages are dated before now − Retention − 1 days
}

// seedChunk is how many messages one insert transaction writes.
const seedChunk = 50000

// seedHistory bulk-inserts contacts, conversations, messages (with 1% of
// the old ones' media cached) with SQL that generates the rows itself
// (a recursive CTE, the same on both databases), so a million messages
// take seconds, not a million round trips. Old messages spread over the
// year before the cutoff, recent ones over the retention window; only the
// first KeepConvShare of the conversations get recent ones, so the rest
// are left empty by the cleanup.
func seedHistory(ctx context.Context, db store.DB, cfg seedConfig, now time.Time, progress io.Writer) error {
	var senderID int64
	if err := db.Read().QueryRow(ctx, `SELECT MIN(id) FROM senders`).Scan(&senderID); err != nil {
		return fmt.Errorf("no sender to seed on (is the sandbox on?): %w", err)
	}
	created := store.Millis(now.AddDate(-2, 0, 0))
	err := db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < CAST(? AS BIGINT))
			INSERT INTO contacts (wa_id, phone, profile_name, created_at, updated_at)
			SELECT '5521' || CAST(900000000 + i AS TEXT), '+5521' || CAST(900000000 + i AS TEXT), 'Bench ' || CAST(i AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT) FROM n`,
			cfg.Conversations, created, created); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO conversations (sender_id, contact_id, started_at, created_at, updated_at)
			SELECT CAST(? AS BIGINT), id, created_at, created_at, created_at FROM contacts WHERE wa_id LIKE '5521%' ORDER BY id`, senderID)
		return err
	})
	if err != nil {
		return fmt.Errorf("seed conversations: %w", err)
	}
	var firstConv int64
	if err := db.Read().QueryRow(ctx, `SELECT MIN(c.id) FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.wa_id LIKE '5521%'`).Scan(&firstConv); err != nil {
		return err
	}
	old := int64(float64(cfg.Messages) * cfg.OldShare)
	keepConvs := max(1, int64(float64(cfg.Conversations)*cfg.KeepConvShare))
	day := int64(24 * time.Hour / time.Millisecond)
	nowMS := store.Millis(now)
	oldFrom, oldTo := nowMS-int64(cfg.Retention+366)*day, nowMS-int64(cfg.Retention+1)*day
	newFrom := nowMS - int64(cfg.Retention-1)*day
	oldStep := max(1, (oldTo-oldFrom)/max(1, old))
	newStep := max(1, (nowMS-newFrom)/max(1, int64(cfg.Messages)-old))
	start := time.Now()
	for from := int64(0); from < int64(cfg.Messages); from += seedChunk {
		to := min(from+seedChunk, int64(cfg.Messages))
		err := db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `WITH RECURSIVE n(i) AS (SELECT CAST(? AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < CAST(? AS BIGINT)),
				m(i, conv, at) AS (SELECT i,
					CASE WHEN i < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) + i % CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) + i % CAST(? AS BIGINT) END,
					CASE WHEN i < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) + i * CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) + (i - CAST(? AS BIGINT)) * CAST(? AS BIGINT) END
					FROM n)
				INSERT INTO messages (conversation_id, direction, wamid, type, content, summary, status, occurred_at, created_at, updated_at)
				SELECT conv, CASE WHEN i % 3 = 0 THEN 'out' ELSE 'in' END, 'wamid.bench.' || CAST(i AS TEXT), 'text',
					'{"body":"Mensagem de teste número ' || CAST(i AS TEXT) || '"}', 'Mensagem de teste número ' || CAST(i AS TEXT),
					CASE WHEN i % 3 = 0 THEN 'read' ELSE 'received' END, at, at, at FROM m`,
				from, to-1, old, firstConv, cfg.Conversations, firstConv, keepConvs, old, oldFrom, oldStep, newFrom, old, newStep)
			return err
		})
		if err != nil {
			return fmt.Errorf("seed messages %d–%d: %w", from, to, err)
		}
		fmt.Fprintf(progress, "\rseeded %d/%d messages", to, cfg.Messages)
	}
	fmt.Fprintf(progress, " in %.1fs\n", time.Since(start).Seconds())
	blob := make([]byte, 2048)
	err = db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO media_cache (message_id, mime_type, size, data, fetched_at)
			SELECT id, 'image/jpeg', CAST(? AS BIGINT), ?, occurred_at FROM messages WHERE wamid LIKE 'wamid.bench.%' AND id % 100 = 0 AND occurred_at < CAST(? AS BIGINT)`,
			len(blob), blob, oldTo); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE conversations SET last_message_at = COALESCE((SELECT MAX(m.occurred_at) FROM messages m WHERE m.conversation_id = conversations.id), 0),
			first_message_id = COALESCE((SELECT MIN(m.id) FROM messages m WHERE m.conversation_id = conversations.id), 0)
			WHERE id >= CAST(? AS BIGINT)`, firstConv)
		return err
	})
	if err != nil {
		return fmt.Errorf("seed media and conversation times: %w", err)
	}
	// What a running server's indexer would have done long before a real
	// history this size: indexing is not what is measured.
	if err := store.IndexSearchAll(ctx, db); err != nil {
		return fmt.Errorf("index the seeded rows for search: %w", err)
	}
	// SQLite: fold the seed's write-ahead log into the database so the
	// measurement starts from a settled file, as a long-running server's is.
	return store.TruncateLog(ctx, db)
}
