// Package storetest gives tests a fresh, migrated database of each dialect:
// SQLite always, PostgreSQL when ZAPFLOW_TEST_POSTGRES_URL is set. Each
// PostgreSQL test gets its own database (or, from URL, its own empty
// schema), so tests run in parallel.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
)

// PostgresURLEnv names the variable that turns the PostgreSQL runs on.
const PostgresURLEnv = "ZAPFLOW_TEST_POSTGRES_URL"

// Each runs fn as a parallel subtest once per available dialect, each with
// a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db store.DB)) {
	t.Helper()
	dialects := []store.Dialect{store.SQLite}
	if os.Getenv(PostgresURLEnv) != "" {
		dialects = append(dialects, store.Postgres)
	}
	for _, d := range dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, d))
		})
	}
}

// New returns a fresh migrated database of dialect d (a copy of a
// template, see template.go), closed (and for PostgreSQL, dropped) when
// the test ends.
func New(t testing.TB, d store.Dialect) store.DB {
	t.Helper()
	ctx := context.Background()
	var db store.DB
	var err error
	switch d {
	case store.SQLite:
		path := filepath.Join(t.TempDir(), "zapflow.db")
		CopySQLite(t, path)
		db, err = store.OpenSQLite(ctx, path)
	case store.Postgres:
		db, err = openMigrated(t, ctx)
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, store.Migrate(ctx, db))
	return db
}

// Dialects lists the dialects this run tests.
func Dialects() []store.Dialect {
	if os.Getenv(PostgresURLEnv) != "" {
		return []store.Dialect{store.SQLite, store.Postgres}
	}
	return []store.Dialect{store.SQLite}
}

// URL returns the URL of a fresh PostgreSQL schema, for tests that start a
// whole server process.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	schema := createSchema(t, base)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func openMigrated(t testing.TB, ctx context.Context) (store.DB, error) {
	cfg, err := pgxpool.ParseConfig(MigratedURL(t))
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 8
	return store.OpenPostgresConfig(ctx, cfg)
}

func createSchema(t testing.TB, base string) string {
	t.Helper()
	schema := "zt_" + randomHex(6)
	createDropped(t, base, "CREATE SCHEMA "+schema, "DROP SCHEMA "+schema+" CASCADE")
	return schema
}

// createDropped runs create on the server of base now, and drop when the
// test ends (a failed drop only leaves a scratch object behind).
func createDropped(t testing.TB, base, create, drop string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, create)
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(context.Background(), drop)
	})
}
