package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Migration 42 gives PostgreSQL's searches pg_trgm indexes when the
// database user may create the extension (a database owner may), and
// when it may not, the migrations still pass, without those indexes: a
// server must start either way.
func TestSearchIndexesNeedNoExtensionPrivilege(t *testing.T) {
	base := os.Getenv(storetest.PostgresURLEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(storetest.PostgresURLEnv + " must be set in CI")
		}
		t.Skip(storetest.PostgresURLEnv + " not set (CI sets it)")
	}
	for _, c := range []struct {
		name        string
		ownsDB      bool
		wantIndexes int
	}{
		{"database owner", true, 4},
		{"user of one schema", false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			admin, err := pgx.ParseConfig(base)
			require.NoError(t, err)
			suffix := make([]byte, 6)
			_, _ = rand.Read(suffix)
			name := "zt_ext_" + hex.EncodeToString(suffix)
			owner := "postgres"
			if c.ownsDB {
				owner = name
			}
			adminExec(t, admin, "", `CREATE ROLE `+name+` LOGIN`)
			t.Cleanup(func() { adminExec(t, admin, "", `DROP ROLE IF EXISTS `+name) })
			adminExec(t, admin, "", `CREATE DATABASE `+name+` OWNER `+owner)
			t.Cleanup(func() { adminExec(t, admin, "", `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
			url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", name, admin.Host, admin.Port, name)
			if !c.ownsDB {
				adminExec(t, admin, name, `CREATE SCHEMA app AUTHORIZATION `+name)
				url += "&search_path=app"
			}

			db, err := store.Open(ctx, url, "")
			require.NoError(t, err)
			require.NoError(t, store.Migrate(ctx, db))
			require.NoError(t, db.Close())

			conn := adminConn(t, admin, name)
			var indexes, extensions int
			require.NoError(t, conn.QueryRow(ctx, `SELECT COUNT(*) FROM pg_indexes WHERE indexname IN
				('messages_summary_search', 'contacts_name_search', 'contacts_profile_name_search', 'contacts_phone_search')`).Scan(&indexes))
			require.NoError(t, conn.QueryRow(ctx, `SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_trgm'`).Scan(&extensions))
			require.Equal(t, c.wantIndexes, indexes)
			require.Equal(t, min(c.wantIndexes, 1), extensions)
		})
	}
}

// adminConn connects as the test's PostgreSQL user to database db (""
// for the one in its URL), closed when the test ends.
func adminConn(t *testing.T, cfg *pgx.ConnConfig, db string) *pgx.Conn {
	t.Helper()
	cfg = cfg.Copy()
	if db != "" {
		cfg.Database = db
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func adminExec(t *testing.T, cfg *pgx.ConnConfig, db, q string) {
	t.Helper()
	_, err := adminConn(t, cfg, db).Exec(context.Background(), q)
	require.NoError(t, err)
}
