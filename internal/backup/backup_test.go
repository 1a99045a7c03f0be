package backup

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

var fixedNow = func() time.Time { return time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC) }

// A backup taken while a writer keeps inserting messages restores to a
// database holding every message committed before the backup began, and
// the archive verifies against its manifest.
func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dataDir := openData(t, 0)
	exec(t, db,
		`INSERT INTO accounts (id, name, waba_id, created_at, updated_at) VALUES (1, 'a', 'w1', 0, 0)`,
		`INSERT INTO senders (id, account_id, phone_number_id, created_at, updated_at) VALUES (1, 1, 'p1', 0, 0)`,
		`INSERT INTO contacts (id, wa_id, phone, created_at, updated_at) VALUES (1, '5511999990000', '+5511999990000', 0, 0)`,
		`INSERT INTO conversations (id, sender_id, contact_id, started_at, created_at, updated_at) VALUES (1, 1, 1, 0, 0, 0)`)
	require.NoError(t, os.MkdirAll(filepath.Join(MediaDir(dataDir), "2026"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(MediaDir(dataDir), "2026", "photo.jpg"), []byte("jpeg bytes"), 0o600))

	var (
		mu        sync.Mutex
		committed []string
		stop      atomic.Bool
		wg        sync.WaitGroup
		writeErr  error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; !stop.Load(); n++ {
			wamid := fmt.Sprintf("wamid.b-%d", n)
			err := db.InTx(ctx, func(tx store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO messages (conversation_id, direction, wamid, type, summary, status, occurred_at, created_at, updated_at)
					VALUES (1, 'in', ?, 'text', 'oi', 'received', 0, 0, 0)`, wamid)
				return err
			})
			if err != nil {
				writeErr = err
				return
			}
			mu.Lock()
			committed = append(committed, wamid)
			mu.Unlock()
		}
	}()
	// Let some messages commit, then note what is committed and back up.
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(committed) >= 200 }, 30*time.Second, time.Millisecond)
	mu.Lock()
	before := append([]string(nil), committed...)
	mu.Unlock()
	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	m, err := CreateFile(ctx, Options{DB: db, DataDir: dataDir, Version: "v1.2.3", Now: fixedNow}, archive)
	require.NoError(t, err)
	stop.Store(true)
	wg.Wait()
	require.NoError(t, writeErr)
	mu.Lock()
	after := len(committed)
	mu.Unlock()
	t.Logf("%d messages committed before the backup, %d in it, %d by the end", len(before), m.Tables["messages"], after)

	st, err := os.Stat(archive)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	latest, err := store.LatestSchema(store.SQLite)
	require.NoError(t, err)
	require.Equal(t, latest, m.SchemaVersion)
	require.Equal(t, "v1.2.3", m.ZapflowVersion)
	require.Equal(t, fixedNow(), m.CreatedAt)
	require.GreaterOrEqual(t, m.Tables["messages"], int64(len(before)))
	require.Equal(t, int64(1), m.Tables["contacts"])
	require.Equal(t, []string{databaseName, "media/2026/photo.jpg"}, names(m.Files))

	verified, err := Verify(archive)
	require.NoError(t, err)
	require.Equal(t, m.Files, verified.Files)
	members := readArchive(t, archive)
	require.Equal(t, manifestName, members[len(members)-1].name, "the manifest closes the archive")
	require.NotContains(t, string(members[len(members)-1].body), "secret", "no key material in the manifest")

	target := t.TempDir()
	res, err := Restore(ctx, RestoreOptions{Archive: archive, SQLitePath: filepath.Join(target, "zapflow.db"), DataDir: target, Now: fixedNow})
	require.NoError(t, err)
	require.Empty(t, res.Previous)
	restored := openExisting(t, filepath.Join(target, "zapflow.db"))
	have := map[string]bool{}
	rows, err := restored.Read().Query(ctx, `SELECT wamid FROM messages`)
	require.NoError(t, err)
	for rows.Next() {
		var w string
		require.NoError(t, rows.Scan(&w))
		have[w] = true
	}
	rows.Close()
	require.Equal(t, int(m.Tables["messages"]), len(have), "the restored database holds what the manifest counted")
	for _, w := range before {
		require.True(t, have[w], "%s was committed before the backup began but is not restored", w)
	}
	photo, err := os.ReadFile(filepath.Join(target, "media", "2026", "photo.jpg"))
	require.NoError(t, err)
	require.Equal(t, "jpeg bytes", string(photo))
	fi, err := os.Stat(filepath.Join(target, "zapflow.db"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	leftovers, err := filepath.Glob(filepath.Join(dataDir, ".backup-*"))
	require.NoError(t, err)
	require.Empty(t, leftovers, "temporary snapshot removed")
}

func names(fs []File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func openExisting(t *testing.T, path string) store.DB {
	t.Helper()
	db, err := store.OpenSQLite(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// backupOf writes a backup of a database holding one user.
func backupOf(t *testing.T, version int64) string {
	t.Helper()
	db, dir := openData(t, version)
	exec(t, db, `INSERT INTO users (email, name, role, password_hash, created_at, updated_at) VALUES ('ana@example.com', 'Ana', 'admin', 'x', 0, 0)`)
	archive := filepath.Join(t.TempDir(), "b.tar.gz")
	_, err := CreateFile(context.Background(), Options{DB: db, DataDir: dir, Version: "v1.0.0", Now: fixedNow}, archive)
	require.NoError(t, err)
	return archive
}

// Restore refuses a backup from a newer zapflow, and changes nothing.
func TestRestoreRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	latest, err := store.LatestSchema(store.SQLite)
	require.NoError(t, err)
	newer := rewrite(t, backupOf(t, 0), func(ms []member) []member {
		last := &ms[len(ms)-1]
		var m Manifest
		require.NoError(t, json.Unmarshal(last.body, &m))
		m.SchemaVersion = latest + 1
		m.ZapflowVersion = "v9.0.0"
		last.body, err = json.Marshal(m)
		require.NoError(t, err)
		return ms
	})
	target := t.TempDir()
	_, err = Restore(context.Background(), RestoreOptions{Archive: newer, SQLitePath: filepath.Join(target, "zapflow.db"), DataDir: target, Force: true})
	require.ErrorIs(t, err, ErrNewerSchema)
	require.ErrorContains(t, err, fmt.Sprintf("schema version %d and this zapflow knows versions up to %d", latest+1, latest))
	require.ErrorContains(t, err, "zapflow v9.0.0")
	require.NoFileExists(t, filepath.Join(target, "zapflow.db"))
}

// A target database holding data is replaced only with Force, and then
// kept beside, renamed.
func TestRestoreRefusesNonEmptyTarget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	archive := backupOf(t, 0)
	db, target := openData(t, 0)
	exec(t, db, `INSERT INTO contacts (wa_id, phone, created_at, updated_at) VALUES ('5511988887777', '+5511988887777', 0, 0)`)
	require.NoError(t, db.Close())
	path := filepath.Join(target, "zapflow.db")

	_, err := Restore(ctx, RestoreOptions{Archive: archive, SQLitePath: path, DataDir: target, Now: fixedNow})
	require.ErrorIs(t, err, ErrNotEmpty)
	require.ErrorContains(t, err, "contacts: 1")
	require.ErrorContains(t, err, "-force")
	require.Equal(t, 1, count(t, path, `SELECT COUNT(*) FROM contacts`), "untouched")

	res, err := Restore(ctx, RestoreOptions{Archive: archive, SQLitePath: path, DataDir: target, Force: true, Now: fixedNow})
	require.NoError(t, err)
	require.Contains(t, res.Previous, path+".before-restore-20261202-030000")
	require.Equal(t, 0, count(t, path, `SELECT COUNT(*) FROM contacts`))
	require.Equal(t, 1, count(t, path, `SELECT COUNT(*) FROM users WHERE email = 'ana@example.com'`))
	require.Equal(t, 1, count(t, path+".before-restore-20261202-030000", `SELECT COUNT(*) FROM contacts`), "the replaced database is kept")

	// A migrated but never used database counts as empty.
	_, empty := openData(t, 0)
	_, err = Restore(ctx, RestoreOptions{Archive: archive, SQLitePath: filepath.Join(empty, "zapflow.db"), DataDir: empty})
	require.NoError(t, err)
}

func count(t *testing.T, path, q string) int {
	t.Helper()
	db := openExisting(t, path)
	var n int
	require.NoError(t, db.Read().QueryRow(context.Background(), q).Scan(&n))
	require.NoError(t, db.Close())
	return n
}

// A damaged archive is refused before anything is written.
func TestRestoreRefusesDamagedArchive(t *testing.T) {
	t.Parallel()
	good := backupOf(t, 0)
	raw, err := os.ReadFile(good)
	require.NoError(t, err)
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.tar.gz")
	require.NoError(t, os.WriteFile(truncated, raw[:len(raw)/2], 0o600))
	flipped := rewrite(t, good, func(ms []member) []member {
		ms[0].body[len(ms[0].body)/2] ^= 0xff // a bit of the database
		return ms
	})
	extra := rewrite(t, good, func(ms []member) []member {
		return append([]member{{"media/../../etc/cron.d/x", []byte("boom")}}, ms...)
	})
	noManifest := rewrite(t, good, func(ms []member) []member { return ms[:len(ms)-1] })
	notGzip := filepath.Join(dir, "plain.txt")
	require.NoError(t, os.WriteFile(notGzip, []byte("hello"), 0o600))

	for name, archive := range map[string]string{"truncated": truncated, "flipped": flipped, "path escape": extra, "no manifest": noManifest, "not gzip": notGzip} {
		t.Run(name, func(t *testing.T) {
			target := t.TempDir()
			_, err := Restore(context.Background(), RestoreOptions{Archive: archive, SQLitePath: filepath.Join(target, "zapflow.db"), DataDir: target, Force: true})
			require.ErrorIs(t, err, ErrDamaged)
			require.NoFileExists(t, filepath.Join(target, "zapflow.db"))
			_, err = Verify(archive)
			require.ErrorIs(t, err, ErrDamaged)
		})
	}
	_, err = Verify(flipped)
	require.ErrorContains(t, err, "zapflow.db does not match its checksum")
}

// A backup of an older schema is migrated up by the restore.
func TestRestoreMigratesOlderSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const old = 15
	archive := backupOf(t, old)
	m, err := Verify(archive)
	require.NoError(t, err)
	require.Equal(t, int64(old), m.SchemaVersion)

	target := t.TempDir()
	path := filepath.Join(target, "zapflow.db")
	res, err := Restore(ctx, RestoreOptions{Archive: archive, SQLitePath: path, DataDir: target})
	require.NoError(t, err)
	require.NotEmpty(t, res.Applied.Migrations)
	require.Contains(t, res.Applied.Migrations, "00016_user_last_login.sql")
	db := openExisting(t, path)
	st, err := store.Status(ctx, db)
	require.NoError(t, err)
	require.False(t, st.Pending(), "migrated to %d of %d", st.Current, st.Latest)
	var email string
	require.NoError(t, db.Read().QueryRow(ctx, `SELECT email FROM users`).Scan(&email))
	require.Equal(t, "ana@example.com", email)
}

// On PostgreSQL the command refuses and says how to use pg_dump.
func TestPostgresRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		_, err := CreateFile(context.Background(), Options{DB: db, DataDir: t.TempDir()}, filepath.Join(t.TempDir(), "b.tar.gz"))
		if db.Dialect() == store.SQLite {
			require.NoError(t, err)
			return
		}
		require.ErrorIs(t, err, ErrPostgres)
		require.ErrorContains(t, err, "pg_dump --format=custom")
		require.ErrorContains(t, err, "pg_restore")
	})
}
