package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/privacy"
	"github.com/zapflow/zapflow/internal/privacy/privacytest"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/testclock"
)

var (
	ana = privacytest.Person{WAID: "5511988880001", Name: "Ana Erasable"}
	bob = privacytest.Person{WAID: "5521977770002", Name: "Bob Keeps"}
)

func setup(t *testing.T, db store.DB) (*privacy.Service, privacytest.Seeded, privacytest.Seeded) {
	t.Helper()
	q := privacytest.Queue(t, db)
	a := privacytest.Seed(t, db, q, ana)
	b := privacytest.Seed(t, db, q, bob)
	clock := testclock.New(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	return privacy.New(db, clock.Now), a, b
}

// exportFiles runs an export and returns the ZIP's files by name.
func exportFiles(t *testing.T, svc *privacy.Service, id int64) map[string]string {
	t.Helper()
	ctx := context.Background()
	e, err := svc.Prepare(ctx, id)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, e.WriteTo(ctx, &buf))
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		files[f.Name] = string(b)
	}
	return files
}

func list(t *testing.T, files map[string]string, name string) []map[string]any {
	t.Helper()
	var out []map[string]any
	require.NoError(t, json.Unmarshal([]byte(files[name]), &out), name)
	return out
}

// TestExportHasEveryKindOfRecordAndNothingOfAnother builds two contacts
// with every kind of record and exports the first: each kind is there, in
// its file, and no byte of the ZIP names the second contact.
func TestExportHasEveryKindOfRecordAndNothingOfAnother(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc, a, b := setup(t, db)
		files := exportFiles(t, svc, a.ContactID)

		var contact map[string]any
		require.NoError(t, json.Unmarshal([]byte(files["contact.json"]), &contact))
		require.Equal(t, a.WAID, contact["wa_id"])
		require.Equal(t, a.Phone(), contact["phone"])
		require.Contains(t, []any{true, float64(1)}, contact["opted_out"], "the opt-out state is exported")

		require.Len(t, list(t, files, "conversations.json"), 1)
		msgs := list(t, files, "messages.json")
		require.Len(t, msgs, 4)
		dirs, statuses := map[any]int{}, map[any]int{}
		for _, m := range msgs {
			dirs[m["direction"]]++
			statuses[m["status"]]++
		}
		require.Equal(t, map[any]int{"in": 2, "out": 2}, dirs)
		require.Equal(t, 1, statuses["queued"], "the queued send is exported")
		require.Equal(t, 1, statuses["delivered"])
		require.Contains(t, files["messages.json"], `"content": {"body":"hello, `+a.Secret+`"}`, "content is JSON, not a string")

		media := list(t, files, "media.json")
		require.Len(t, media, 1)
		require.Equal(t, a.Secret, files[media[0]["file"].(string)], "the media file holds the cached bytes")
		require.True(t, strings.HasSuffix(media[0]["file"].(string), ".jpg"))

		for name, n := range map[string]int{
			"notes.json": 1, "bot_states.json": 1, "assignments.json": 1, "notifications.json": 1, "flow_runs.json": 2, "flow_events.json": 1,
			"ai_conversations.json": 1, "ai_messages.json": 2, "pending_statuses.json": 1, "jobs.json": 2, "webhook_events.json": 2,
		} {
			require.Len(t, list(t, files, name), n, name)
		}
		run := list(t, files, "flow_runs.json")[0]
		require.IsType(t, map[string]any{}, run["state"], "a run's state (its steps) is a JSON document")
		require.Contains(t, files["README.txt"], "messages.json")
		require.Contains(t, files["README.txt"], "media/")

		var all strings.Builder
		for name, body := range files {
			all.WriteString(name + "\n" + body + "\n")
		}
		for _, n := range b.Needles() {
			require.NotContains(t, all.String(), n, "the export names the other contact")
		}
		for _, n := range a.Needles() {
			require.Contains(t, all.String(), n)
		}
	})
}

// TestEraseLeavesNoTraceAndIsIdempotent erases the first contact: a scan
// of every column of every table finds none of their numbers, wamids or
// texts; the second contact's export is byte for byte what it was; the
// audit line holds counts only; a second erasure changes nothing.
func TestEraseLeavesNoTraceAndIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		svc, a, b := setup(t, db)
		require.NotEmpty(t, privacytest.Find(t, db, a.Needles()...), "the scan finds the contact before the erasure")
		before := exportFiles(t, svc, b.ContactID)

		_, err := svc.Erase(ctx, a.ContactID, "+55 11 98888-0002", privacy.Actor{UserID: 7})
		e, ok := apperr.As(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, "confirmation_mismatch", e.Code)
		require.Empty(t, privacytest.Find(t, db, "nothing-to-find"))
		require.NotEmpty(t, privacytest.Find(t, db, a.WAID), "a refused erasure deletes nothing")

		res, err := svc.Erase(ctx, a.ContactID, "+55 (11) 98888-0001", privacy.Actor{UserID: 7, APIKeyID: 3})
		require.NoError(t, err)
		require.Equal(t, privacy.StatusErased, res.Status)
		for _, table := range []string{"contacts", "conversations", "messages", "media_cache", "notes", "bot_states", "assignments", "live_events",
			"notifications", "flow_runs", "flow_events", "ai_conversations", "ai_messages", "pending_statuses", "river_job", "inbound_events"} {
			require.Positive(t, res.Deleted[table], table)
		}

		require.Empty(t, privacytest.Find(t, db, a.Needles()...), "a trace of the erased contact is left")
		for query, id := range map[string]int64{
			`SELECT COUNT(*) FROM contacts WHERE id = ?`:                       a.ContactID,
			`SELECT COUNT(*) FROM conversations WHERE contact_id = ?`:          a.ContactID,
			`SELECT COUNT(*) FROM messages WHERE conversation_id = ?`:          a.ConversationID,
			`SELECT COUNT(*) FROM live_events WHERE conversation_id = ?`:       a.ConversationID,
			`SELECT COUNT(*) FROM assignments WHERE conversation_id = ?`:       a.ConversationID,
			`SELECT COUNT(*) FROM flow_runs WHERE message_conversation_id = ?`: a.ConversationID,
		} {
			var n int
			require.NoError(t, db.Read().QueryRow(ctx, query, id).Scan(&n))
			require.Zero(t, n, query)
		}
		var media int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM media_cache`).Scan(&media))
		require.Equal(t, 1, media, "only the other contact's media is left")
		var calls int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM ai_calls`).Scan(&calls))
		require.Equal(t, 2, calls, "AI call metrics name no one and stay")

		after := exportFiles(t, svc, b.ContactID)
		delete(before, "README.txt")
		delete(after, "README.txt")
		require.Equal(t, before, after, "the other contact lost or changed something")
		require.NotEmpty(t, privacytest.Find(t, db, b.Needles()...))

		var audit []string
		rows, err := db.Read().Query(ctx, `SELECT contact_id, user_id, api_key_id, deleted, created_at FROM contact_erasures`)
		require.NoError(t, err)
		for rows.Next() {
			var cid, uid, kid, at int64
			var deleted string
			require.NoError(t, rows.Scan(&cid, &uid, &kid, &deleted, &at))
			require.Equal(t, []int64{a.ContactID, 7, 3, time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC).UnixMilli()}, []int64{cid, uid, kid, at})
			audit = append(audit, deleted)
		}
		rows.Close()
		require.NoError(t, rows.Err())
		require.Len(t, audit, 1)
		require.Contains(t, audit[0], `"messages":4`)

		again, err := svc.Erase(ctx, a.ContactID, "", privacy.Actor{UserID: 8})
		require.NoError(t, err)
		require.Equal(t, privacy.StatusAlreadyErased, again.Status)
		require.Equal(t, int64(7), again.UserID, "the answer is the first erasure")
		require.Equal(t, res.Deleted, again.Deleted)
		var lines int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM contact_erasures`).Scan(&lines))
		require.Equal(t, 1, lines, "a second erasure records nothing")

		_, err = svc.Erase(ctx, 999999, "+5511988880001", privacy.Actor{UserID: 7})
		e, ok = apperr.As(err)
		require.True(t, ok)
		require.Equal(t, apperr.KindNotFound, e.Kind)
		_, err = svc.Prepare(ctx, a.ContactID)
		e, ok = apperr.As(err)
		require.True(t, ok)
		require.Equal(t, apperr.KindNotFound, e.Kind, "an erased contact has nothing to export")
	})
}

// TestEraseWaitsForWorkInFlight: a webhook event of the contact not yet
// processed, a job of theirs running or a message being sent to them would
// bring data back right after the erasure, so the erasure is refused (409) and deletes nothing until
// they are done.
func TestEraseWaitsForWorkInFlight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		svc, a, _ := setup(t, db)
		for _, c := range []struct{ busy, done string }{
			// claimed by the outbox, then its attempt recorded (in doubt, waiting for a retry)
			{`UPDATE messages SET in_doubt_since = updated_at WHERE status = 'queued' AND conversation_id = ` + strconv.FormatInt(a.ConversationID, 10),
				`UPDATE messages SET updated_at = updated_at + 1 WHERE status = 'queued'`},
			{`UPDATE inbound_events SET processed_at = 0 WHERE dedupe_key = '` + a.WAID + `-0'`,
				`UPDATE inbound_events SET processed_at = 1 WHERE dedupe_key = '` + a.WAID + `-0'`},
			{`UPDATE river_job SET state = 'running', attempted_at = scheduled_at, attempt = 1 WHERE kind = 'ai_typing_indicator' AND CAST(args AS TEXT) LIKE '%` + a.WAID + `%'`,
				`UPDATE river_job SET state = 'scheduled', attempted_at = NULL, attempt = 0 WHERE kind = 'ai_typing_indicator'`},
		} {
			n, err := dbExec(ctx, db, c.busy)
			require.NoError(t, err)
			require.EqualValues(t, 1, n)
			_, err = svc.Erase(ctx, a.ContactID, a.Phone(), privacy.Actor{UserID: 1})
			e, ok := apperr.As(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, "contact_busy", e.Code)
			require.Equal(t, apperr.KindConflict, e.Kind)
			require.NotEmpty(t, privacytest.Find(t, db, a.Phone()))
			_, err = dbExec(ctx, db, c.done)
			require.NoError(t, err)
		}
		res, err := svc.Erase(ctx, a.ContactID, a.WAID, privacy.Actor{UserID: 1})
		require.NoError(t, err)
		require.Equal(t, privacy.StatusErased, res.Status)
		require.Empty(t, privacytest.Find(t, db, a.Needles()...))
	})
}

func dbExec(ctx context.Context, db store.DB, query string) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.Exec(ctx, query)
		return err
	})
	return n, err
}

// TestTablesCoverTheSchema: every table of the schema is either in
// privacy.Tables (exported and erased) or in privacy.Unrelated with a
// reason. A new table fails here until someone decides which.
func TestTablesCoverTheSchema(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		tables, err := privacy.SchemaTables(ctx, db.Read(), db.Dialect())
		require.NoError(t, err)
		listed := map[string]bool{}
		for _, tb := range privacy.Tables {
			require.False(t, listed[tb.Name], "%s listed twice", tb.Name)
			listed[tb.Name] = true
			require.Contains(t, tables, tb.Name, "privacy.Tables names a table the schema lacks")
			_, unrelated := privacy.Unrelated[tb.Name]
			require.False(t, unrelated, "%s is in both lists", tb.Name)
			cols, err := privacy.SchemaColumns(ctx, db.Read(), db.Dialect(), tb.Name)
			require.NoError(t, err)
			for _, c := range append(append([]string{tb.Key, tb.ParentColumn}, tb.Mentions...), tb.JSON...) {
				if c != "" {
					require.Contains(t, cols, c, "%s.%s", tb.Name, c)
				}
			}
		}
		var missing []string
		for _, name := range tables {
			if _, ok := privacy.Unrelated[name]; !ok && !listed[name] {
				missing = append(missing, name)
			}
		}
		sort.Strings(missing)
		require.Empty(t, missing, "add these tables to privacy.Tables (or privacy.Unrelated, saying why) in internal/privacy/tables.go")
	})
}

// TestEraseLeavesNoBytesInTheSQLiteFile: deleted rows normally stay in
// SQLite's free pages and write-ahead log until overwritten; after an
// erasure neither the database file nor its log holds a byte of the
// contact, while the other contact is still there.
func TestEraseLeavesNoBytesInTheSQLiteFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "zapflow.db")
	db, err := store.OpenSQLite(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, store.Migrate(ctx, db))
	svc, a, b := setup(t, db)
	_, err = svc.Erase(ctx, a.ContactID, a.WAID, privacy.Actor{UserID: 1})
	require.NoError(t, err)
	var files []byte
	for _, f := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(f)
		if !errors.Is(err, os.ErrNotExist) {
			require.NoError(t, err)
		}
		files = append(files, data...)
	}
	for _, n := range a.Needles() {
		require.Zero(t, bytes.Count(files, []byte(n)), "the file still holds %q", n)
	}
	require.Positive(t, bytes.Count(files, []byte(b.Secret)), "the other contact is in the file")
}
