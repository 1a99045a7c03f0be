// Package privacytest builds contacts with every kind of record zapflow
// keeps about a person, and scans a whole database for any trace of one,
// for the tests of export and erasure.
package privacytest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/privacy"
	"github.com/zapflow/zapflow/internal/store"
)

// Person is a contact to build.
type Person struct {
	WAID string // digits, e.g. 5511988880001
	Name string
}

// Phone is the person's E.164 number.
func (p Person) Phone() string { return "+" + p.WAID }

// Seeded is what Seed built.
type Seeded struct {
	Person
	ContactID      int64
	ConversationID int64
	// WAMIDs are the WhatsApp ids of their messages and statuses; the
	// pending status names one no message has.
	WAMIDs []string
	// Secret is a text only this person's records hold (note, message,
	// AI memory, media bytes).
	Secret string
}

// Needles are what a scan looks for: anything that points at the person.
func (s Seeded) Needles() []string {
	return append([]string{s.WAID, s.Phone(), s.Name, s.Secret}, s.WAMIDs...)
}

// ReplyArgs is a scheduled assistant reply to the person (the shape of the
// ai package's job, which is not exported).
type ReplyArgs struct {
	ConversationID int64  `json:"conversation_id"`
	MessageID      int64  `json:"message_id"`
	SenderID       int64  `json:"sender_id"`
	To             string `json:"to"`
}

// Kind is the assistant reply's kind.
func (ReplyArgs) Kind() string { return "ai_assistant_reply" }

// TypingArgs is a typing indicator on one of their messages.
type TypingArgs struct {
	SenderID int64  `json:"sender_id"`
	WAMID    string `json:"wamid"`
}

// Kind is the typing indicator's kind.
func (TypingArgs) Kind() string { return "ai_typing_indicator" }

type noop[T river.JobArgs] struct{ river.WorkerDefaults[T] }

func (noop[T]) Work(context.Context, *river.Job[T]) error { return nil }

// Queue returns an insert-only job queue on db that knows the two kinds.
func Queue(t testing.TB, db store.DB) *jobs.Queue {
	t.Helper()
	w := river.NewWorkers()
	river.AddWorker(w, &noop[ReplyArgs]{})
	river.AddWorker(w, &noop[TypingArgs]{})
	q, err := jobs.New(db, jobs.Config{Workers: w, TestOnly: true})
	require.NoError(t, err)
	return q
}

// Seed builds p with every kind of record: contact (opted out), a
// conversation, messages both ways (a text, an image with cached media,
// a delivered reply, a queued send), a pending status, a paused bot, a note,
// an assignment, a live event, a notification, two flow runs (one started by
// their message, one by an external event naming their number), an
// external event, AI memory and an AI call, two webhook events (their
// message and a status) and two scheduled jobs. It uses the account,
// sender, flow and assistant of the database, creating them the first
// time.
func Seed(t testing.TB, db store.DB, q *jobs.Queue, p Person) Seeded {
	t.Helper()
	ctx := context.Background()
	s := Seeded{Person: p, Secret: "secret-of-" + p.WAID}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC).UnixMilli()
	var senderID int64
	err := db.InTx(ctx, func(tx store.Tx) error {
		id := func(query string, args ...any) int64 {
			var v int64
			require.NoError(t, tx.QueryRow(ctx, query+" RETURNING id", args...).Scan(&v), query)
			return v
		}
		exec := func(query string, args ...any) {
			_, err := tx.Exec(ctx, query, args...)
			require.NoError(t, err, query)
		}
		var accountID, flowID, assistantID int64
		if err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE waba_id = 'privacy-waba'`).Scan(&accountID); err != nil {
			accountID = id(`INSERT INTO accounts (name, waba_id, created_at, updated_at) VALUES ('Shop', 'privacy-waba', ?, ?)`, now, now)
			senderID = id(`INSERT INTO senders (account_id, phone_number_id, display_phone_number, created_at, updated_at) VALUES (?, 'privacy-pnid', '+15550001', ?, ?)`, accountID, now, now)
			flowID = id(`INSERT INTO flows (name, version, trigger_type, created_at, updated_at) VALUES ('privacy flow', 1, 'whatsapp.message_received', ?, ?)`, now, now)
			exec(`INSERT INTO flow_versions (flow_id, version, definition, created_at) VALUES (?, 1, '{}', ?)`, flowID, now)
			assistantID = id(`INSERT INTO assistants (name, created_at, updated_at) VALUES ('helper', ?, ?)`, now, now)
		} else {
			require.NoError(t, tx.QueryRow(ctx, `SELECT id FROM senders WHERE phone_number_id = 'privacy-pnid'`).Scan(&senderID))
			require.NoError(t, tx.QueryRow(ctx, `SELECT id FROM flows WHERE name = 'privacy flow'`).Scan(&flowID))
			require.NoError(t, tx.QueryRow(ctx, `SELECT id FROM assistants WHERE name = 'helper'`).Scan(&assistantID))
		}
		w := func(tag string) string { return "wamid.HBg" + tag + p.WAID }
		s.WAMIDs = []string{w("IN"), w("IMG"), w("OUT"), w("PEND")}

		s.ContactID = id(`INSERT INTO contacts (wa_id, phone, profile_name, opted_out, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.WAID, p.Phone(), p.Name, true, now, now)
		s.ConversationID = id(`INSERT INTO conversations (sender_id, contact_id, started_at, last_message_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			senderID, s.ContactID, now, now, now, now)
		msg := func(dir, wamid, typ, content, status string, sendAt int64) int64 {
			var wm any
			if wamid != "" {
				wm = wamid
			}
			return id(`INSERT INTO messages (conversation_id, direction, wamid, type, content, summary, status, occurred_at, created_at, updated_at, sender_id, send_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ConversationID, dir, wm, typ, content, typ+" "+s.Secret, status, now, now, now, senderID, sendAt)
		}
		in := msg("in", s.WAMIDs[0], "text", `{"body":"hello, `+s.Secret+`"}`, "received", 0)
		img := msg("in", s.WAMIDs[1], "image", `{"id":"media-`+p.WAID+`","mime_type":"image/jpeg"}`, "received", 0)
		msg("out", s.WAMIDs[2], "text", `{"body":"hi `+p.Name+`"}`, "delivered", 0)
		// Due in ten days: a running outbox does not try to send it.
		queued := msg("out", "", "text", `{"body":"later"}`, "queued", time.Now().Add(240*time.Hour).UnixMilli())
		exec(`INSERT INTO media_cache (message_id, mime_type, size, data, fetched_at) VALUES (?, 'image/jpeg', ?, ?, ?)`,
			img, len(s.Secret), []byte(s.Secret), now)
		exec(`INSERT INTO pending_statuses (wamid, status, occurred_at, created_at) VALUES (?, 'read', ?, ?)`, s.WAMIDs[3], now, now)
		exec(`INSERT INTO notes (conversation_id, user_id, body, created_at) VALUES (?, 1, ?, ?)`, s.ConversationID, "VIP: "+s.Secret, now)
		exec(`INSERT INTO bot_states (conversation_id, paused, reason, paused_by, paused_at, updated_at) VALUES (?, ?, 'customer said stop', 'customer', ?, ?)`,
			s.ConversationID, true, now, now)
		exec(`INSERT INTO assignments (conversation_id, user_id, created_at) VALUES (?, 1, ?)`, s.ConversationID, now)
		exec(`INSERT INTO live_events (kind, conversation_id, message_id, created_at) VALUES ('message', ?, ?, ?)`, s.ConversationID, in, now)
		exec(`INSERT INTO notifications (kind, title, body, ref, created_at) VALUES ('send_failed', 'A message could not be sent', ?, ?, ?)`,
			"rate limited: "+s.Secret, fmt.Sprintf("message:%d", queued), now)
		state := fmt.Sprintf(`{"run_id":0,"status":"completed","trigger":{"customer_phone":%q},"contact":{"phone":%q,"name":%q},"conversation_id":%d,"log":[{"step":"reply","output":{"to":%q}}]}`,
			p.Phone(), p.Phone(), p.Name, s.ConversationID, p.Phone())
		exec(`INSERT INTO flow_runs (flow_id, flow_version, status, state, started_at, updated_at, message_conversation_id) VALUES (?, 1, 'completed', ?, ?, ?, ?)`,
			flowID, state, now, now, s.ConversationID)
		event := fmt.Sprintf(`{"run_id":0,"status":"waiting","trigger":{"outcome":"booked","customer_phone":%q},"contact":{"phone":%q},"log":[]}`, p.Phone(), p.Phone())
		exec(`INSERT INTO flow_runs (flow_id, flow_version, status, state, started_at, updated_at) VALUES (?, 1, 'waiting', ?, ?, ?)`, flowID, event, now, now)
		exec(`INSERT INTO flow_events (type, idempotency_key, received_at) VALUES ('call.completed', ?, ?)`, "call-"+p.WAID, now)
		aiConv := id(`INSERT INTO ai_conversations (assistant_id, customer_id, created_at, updated_at) VALUES (?, ?, ?, ?)`, assistantID, p.Phone(), now, now)
		exec(`INSERT INTO ai_messages (conversation_id, role, content, created_at) VALUES (?, 'user', ?, ?)`, aiConv, "my order? "+s.Secret, now)
		exec(`INSERT INTO ai_messages (conversation_id, role, content, created_at) VALUES (?, 'assistant', 'on its way', ?)`, aiConv, now)
		exec(`INSERT INTO ai_calls (purpose, assistant_id, model, outcome, created_at) VALUES ('reply', ?, 'sandbox', 'ok', ?)`, assistantID, now)
		msgEvent := fmt.Sprintf(`{"contacts":[{"wa_id":%q,"profile":{"name":%q}}],"messages":[{"from":%q,"id":%q,"type":"text","text":{"body":"hello, %s"}}]}`,
			p.WAID, p.Name, p.WAID, s.WAMIDs[0], s.Secret)
		statusEvent := fmt.Sprintf(`{"statuses":[{"id":%q,"status":"read","recipient_id":%q}]}`, s.WAMIDs[3], p.WAID)
		for i, ev := range []string{msgEvent, statusEvent} {
			exec(`INSERT INTO inbound_events (account_id, dedupe_key, kind, partition, payload, received_at, processed_at) VALUES (?, ?, ?, 0, ?, ?, ?)`,
				accountID, fmt.Sprintf("%s-%d", p.WAID, i), []string{"message", "status"}[i], ev, now, now)
		}
		return q.InsertManyTx(ctx, tx, []river.InsertManyParams{
			{Args: ReplyArgs{ConversationID: s.ConversationID, MessageID: in, SenderID: senderID, To: p.Phone()},
				InsertOpts: &river.InsertOpts{ScheduledAt: time.Now().Add(240 * time.Hour)}},
			{Args: TypingArgs{SenderID: senderID, WAMID: s.WAMIDs[0]}, InsertOpts: &river.InsertOpts{ScheduledAt: time.Now().Add(240 * time.Hour)}},
		})
	})
	require.NoError(t, err)
	return s
}

// Find reads every column of every row of every table of the schema and
// returns where any needle occurs ("table.column: needle (n rows)"). It
// reads the schema itself (sqlite_master, information_schema), so a table
// added later is scanned without changing this.
func Find(t testing.TB, db store.DB, needles ...string) []string {
	t.Helper()
	ctx := context.Background()
	q, d := db.Read(), db.Dialect()
	tables, err := privacy.SchemaTables(ctx, q, d)
	require.NoError(t, err)
	require.Contains(t, tables, "messages")
	var found []string
	for _, table := range tables {
		cols, err := privacy.SchemaColumns(ctx, q, d, table)
		require.NoError(t, err)
		exprs := make([]string, len(cols))
		for i, col := range cols {
			exprs[i] = `CAST("` + col + `" AS TEXT)`
			if d == store.Postgres && byteaColumn(t, db, table, col) {
				exprs[i] = `encode("` + col + `", 'escape')`
			}
		}
		rows, err := q.Query(ctx, `SELECT `+strings.Join(exprs, ", ")+` FROM "`+table+`"`)
		require.NoError(t, err, table)
		hits := map[string]int{}
		for rows.Next() {
			vals := make([]*string, len(cols))
			dest := make([]any, len(cols))
			for i := range vals {
				dest[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(dest...), table)
			for i, v := range vals {
				for _, n := range needles {
					if v != nil && strings.Contains(*v, n) {
						hits[cols[i]+": "+n]++
					}
				}
			}
		}
		require.NoError(t, rows.Err())
		rows.Close()
		for k, n := range hits {
			found = append(found, fmt.Sprintf("%s.%s (%d rows)", table, k, n))
		}
	}
	return found
}
func byteaColumn(t testing.TB, db store.DB, table, col string) bool {
	var typ string
	err := db.Read().QueryRow(context.Background(), `SELECT data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`, table, col).Scan(&typ)
	require.NoError(t, err)
	return strings.EqualFold(typ, "bytea")
}
