package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
)

// Migrating a database from nothing costs seconds under the race detector
// (SQLite is Go code there, instrumented like ours), and nearly every test
// wants one. So each test process migrates one SQLite file and copies it
// per test, and PostgreSQL keeps one migrated template database, shared
// by every test process, that CREATE DATABASE … TEMPLATE clones in a
// fraction of a second. Each copy is migrated again all the same (a no-op
// on a current schema), so a stale template can cost time, never
// correctness.

// sqliteTemplate is the migrated SQLite file of this test process.
var sqliteTemplate struct {
	once sync.Once
	data []byte
	err  error
}

// CopySQLite writes a migrated SQLite database to path (the folder must
// exist), as a fresh Migrate would leave it.
func CopySQLite(t testing.TB, path string) {
	t.Helper()
	sqliteTemplate.once.Do(func() { sqliteTemplate.data, sqliteTemplate.err = buildSQLiteTemplate() })
	require.NoError(t, sqliteTemplate.err)
	require.NoError(t, os.WriteFile(path, sqliteTemplate.data, 0o600))
}

func buildSQLiteTemplate() ([]byte, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "zapflow-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "zapflow.db")
	db, err := store.OpenSQLite(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	// Everything into the main file, so that file alone is the database.
	if err := store.TruncateLog(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("storetest: template WAL not checkpointed (%d bytes)", fi.Size())
	}
	return os.ReadFile(path)
}

// pgTemplate is the name of the template database this process clones.
var pgTemplate struct {
	once sync.Once
	name string
	err  error
}

// MigratedURL returns the URL of a fresh, migrated PostgreSQL database of
// its own, dropped when the test ends.
func MigratedURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	pgTemplate.once.Do(func() { pgTemplate.name, pgTemplate.err = ensurePGTemplate(base) })
	require.NoError(t, pgTemplate.err)
	return createDatabase(t, base, pgTemplate.name)
}

// templatePrefix names template databases; the rest of the name is the
// fingerprint of the migrations they hold.
const templatePrefix = "zt_tpl_"

// templateKeep is how long a template of other migrations is left alone.
const templateKeep = 24 * time.Hour

// ensurePGTemplate makes sure the template database of today's migrations
// exists and returns its name. Test processes run side by side, so an
// advisory lock lets one build it while the others wait; it is built
// under another name and renamed when done, so nobody clones half a
// schema. Templates of other migrations are dropped once a day old: a
// second checkout on another branch (other migrations) may be testing
// against its own right now.
func ensurePGTemplate(base string) (string, error) {
	ctx := context.Background()
	name := templatePrefix + store.SchemaFingerprint()[:16]
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	const lockKey = 7_301_942_118 // any constant shared by zapflow's test processes
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, lockKey) //nolint:errcheck // the connection closes next
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Each template's comment is when it was built (Unix seconds); one
	// without (built before templates had one) is left for a person to drop.
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database
		WHERE datname LIKE 'zt\_tpl\_%' AND COALESCE(NULLIF(regexp_replace(COALESCE(shobj_description(oid, 'pg_database'), ''), '[^0-9]', '', 'g'), ''), '0')::bigint BETWEEN 1 AND $1`,
		time.Now().Add(-templateKeep).Unix())
	if err != nil {
		return "", err
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	for _, s := range stale {
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{s}.Sanitize()+` WITH (FORCE)`); err != nil {
			return "", err
		}
	}
	building := "zt_tplb_" + randomHex(6)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+building); err != nil {
		return "", err
	}
	db, err := store.OpenPostgres(ctx, withDatabase(base, building))
	if err == nil {
		err = store.Migrate(ctx, db)
		_ = db.Close()
	}
	if err == nil {
		_, err = conn.Exec(ctx, `COMMENT ON DATABASE `+building+` IS '`+strconv.FormatInt(time.Now().Unix(), 10)+`'`)
	}
	if err == nil {
		_, err = conn.Exec(ctx, `ALTER DATABASE `+building+` RENAME TO `+pgx.Identifier{name}.Sanitize())
	}
	if err != nil {
		_, _ = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
		return "", fmt.Errorf("storetest: build the template database: %w", err)
	}
	return name, nil
}

// createDatabase clones template into a new database, dropped when the
// test ends, and returns its URL.
func createDatabase(t testing.TB, base, template string) string {
	t.Helper()
	name := "zt_" + randomHex(6)
	createDropped(t, base, `CREATE DATABASE `+name+` TEMPLATE `+pgx.Identifier{template}.Sanitize(),
		`DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	return withDatabase(base, name)
}

// withDatabase returns base with its database name replaced.
func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		// A key=value connection string.
		return strings.TrimSpace(base) + " dbname=" + name
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
