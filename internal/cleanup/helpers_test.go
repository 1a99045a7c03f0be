package cleanup

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/testclock"
)

// fixture is a database with one sender and helpers to add history at
// chosen times.
type fixture struct {
	t        *testing.T
	db       store.DB
	clock    *testclock.Clock
	svc      *Service
	senderID int64
	seq      int
}

func newFixture(t *testing.T, db store.DB, now time.Time) *fixture {
	t.Helper()
	clock := testclock.New(now)
	f := &fixture{t: t, db: db, clock: clock}
	f.svc = New(Options{DB: db, Settings: settings.New(db, clock.Now, time.Nanosecond), Now: clock.Now, Batch: 3})
	acc := f.insert(`INSERT INTO accounts (name, waba_id, created_at, updated_at) VALUES ('a', 'waba', 0, 0) RETURNING id`)
	f.senderID = f.insert(`INSERT INTO senders (account_id, phone_number_id, created_at, updated_at) VALUES (?, 'pn', 0, 0) RETURNING id`, acc)
	return f
}

func (f *fixture) insert(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	require.NoError(f.t, f.db.InTx(context.Background(), func(tx store.Tx) error {
		return tx.QueryRow(context.Background(), q, args...).Scan(&id)
	}))
	return id
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	require.NoError(f.t, f.db.InTx(context.Background(), func(tx store.Tx) error {
		_, err := tx.Exec(context.Background(), q, args...)
		return err
	}))
}

func (f *fixture) count(q string, args ...any) int64 {
	f.t.Helper()
	var n int64
	require.NoError(f.t, f.db.Read().QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

func (f *fixture) exists(table string, id int64) bool {
	return f.count(`SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id) == 1
}

// conversation adds a contact and its conversation, created at created.
func (f *fixture) conversation(created time.Time) (convID, contactID int64) {
	f.seq++
	contactID = f.insert(`INSERT INTO contacts (wa_id, phone, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		fmt.Sprintf("5511900000%03d", f.seq), fmt.Sprintf("+5511900000%03d", f.seq), store.Millis(created), store.Millis(created))
	convID = f.insert(`INSERT INTO conversations (sender_id, contact_id, started_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		f.senderID, contactID, store.Millis(created), store.Millis(created), store.Millis(created))
	return convID, contactID
}

// message adds a message dated at (inbound 'received', or outbound with
// status) and moves the conversation's last_message_at and first message.
func (f *fixture) message(convID int64, at time.Time, direction, status string) int64 {
	f.seq++
	id := f.insert(`INSERT INTO messages (conversation_id, direction, wamid, type, summary, status, occurred_at, created_at, updated_at)
		VALUES (?, ?, ?, 'text', 'hello', ?, ?, ?, ?) RETURNING id`,
		convID, direction, fmt.Sprintf("wamid.%d", f.seq), status, store.Millis(at), store.Millis(at), store.Millis(at))
	f.exec(`UPDATE conversations SET last_message_at = CASE WHEN last_message_at < ? THEN ? ELSE last_message_at END,
		first_message_id = CASE WHEN first_message_id = 0 THEN ? ELSE first_message_id END WHERE id = ?`,
		store.Millis(at), store.Millis(at), id, convID)
	return id
}

func (f *fixture) inbound(convID int64, at time.Time) int64 {
	return f.message(convID, at, "in", "received")
}

func (f *fixture) media(msgID int64) {
	f.exec(`INSERT INTO media_cache (message_id, mime_type, size, data, fetched_at) VALUES (?, 'image/jpeg', 3, ?, 0)`, msgID, []byte("jpg"))
}

func (f *fixture) note(convID int64, at time.Time) int64 {
	return f.insert(`INSERT INTO notes (conversation_id, user_id, body, created_at) VALUES (?, 1, 'note', ?) RETURNING id`, convID, store.Millis(at))
}

func (f *fixture) liveEvent(convID, msgID int64) int64 {
	return f.insert(`INSERT INTO live_events (kind, conversation_id, message_id, created_at) VALUES ('inbound', ?, ?, ?) RETURNING id`,
		convID, msgID, store.Millis(f.clock.Now()))
}

func (f *fixture) webhookEvent(received time.Time, processed bool) int64 {
	f.seq++
	var at int64
	if processed {
		at = store.Millis(received)
	}
	return f.insert(`INSERT INTO inbound_events (account_id, dedupe_key, kind, partition, payload, received_at, processed_at)
		VALUES ((SELECT account_id FROM senders WHERE id = ?), ?, 'message', 0, '{}', ?, ?) RETURNING id`,
		f.senderID, fmt.Sprintf("k%d", f.seq), store.Millis(received), at)
}

// waitingRun adds a flow run waiting for a reply in convID.
func (f *fixture) waitingRun(convID int64) {
	flowID := f.insert(`INSERT INTO flows (name, version, trigger_type, created_at, updated_at) VALUES (?, 1, 'whatsapp.message', 0, 0) RETURNING id`,
		fmt.Sprintf("flow %d", convID))
	f.exec(`INSERT INTO flow_runs (flow_id, flow_version, status, wait_kind, reply_conversation_id, state, started_at, updated_at)
		VALUES (?, 1, 'waiting', 'reply', ?, '{}', 0, 0)`, flowID, convID)
}

func (f *fixture) configure(days int, enabled bool, timeOfDay string) {
	f.t.Helper()
	_, err := f.svc.UpdateSettings(context.Background(), Input{Enabled: &enabled, RetentionDays: &days, TimeOfDay: &timeOfDay})
	require.NoError(f.t, err)
}

func date(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, time.UTC)
}
