package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// openBlank opens an empty, unmigrated database of dialect d.
func openBlank(t *testing.T, d store.Dialect) store.DB {
	t.Helper()
	url, path := "", filepath.Join(t.TempDir(), "zapflow.db")
	if d == store.Postgres {
		url = storetest.URL(t)
	}
	db, err := store.Open(context.Background(), url, path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func exec(t *testing.T, db store.DB, q string, args ...any) {
	t.Helper()
	require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
		_, err := tx.Exec(context.Background(), q, args...)
		return err
	}))
}

// MigrateReport names what it applied, and nothing the second time.
func TestMigrateReport(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openBlank(t, d)
			applied, err := store.MigrateReport(ctx, db)
			require.NoError(t, err)
			require.Equal(t, "00001_init.sql", applied.Migrations[0])
			require.Contains(t, applied.Migrations, "00009_api_key_users.sql")
			require.NotEmpty(t, applied.River)
			again, err := store.MigrateReport(ctx, db)
			require.NoError(t, err)
			require.Empty(t, again.Migrations)
			require.Empty(t, again.River)
		})
	}
}

// Migration 9: keys without a user go to the first admin, or are removed
// when there is no admin to give them to; user_id is then required.
func TestMigrationAPIKeysGetUsers(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			for _, withAdmin := range []bool{true, false} {
				ctx := context.Background()
				db := openBlank(t, d)
				require.NoError(t, store.MigrateUpTo(ctx, db, 8))
				exec(t, db, `INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES (5, 'agent@x.y', 'agent', '!', 0, 0)`)
				if withAdmin {
					exec(t, db, `INSERT INTO users (id, email, role, password_hash, created_at, updated_at) VALUES (7, 'first@x.y', 'admin', '!', 0, 0), (9, 'second@x.y', 'admin', '!', 0, 0)`)
				}
				exec(t, db, `INSERT INTO api_keys (id, name, prefix, key_hash, user_id, created_at, last_used_at) VALUES
					(1, 'old', 'zf_aaaaaa', 'h1', NULL, 1, 5), (2, 'agent''s', 'zf_bbbbbb', 'h2', 5, 2, 0)`)
				require.NoError(t, store.Migrate(ctx, db))

				rows, err := db.Read().Query(ctx, `SELECT id, user_id, last_used_at FROM api_keys ORDER BY id`)
				require.NoError(t, err)
				var got [][3]int64
				for rows.Next() {
					var r [3]int64
					require.NoError(t, rows.Scan(&r[0], &r[1], &r[2]))
					got = append(got, r)
				}
				rows.Close()
				if withAdmin {
					require.Equal(t, [][3]int64{{1, 7, 5}, {2, 5, 0}}, got, "the old key goes to the lowest-id admin, keeping its data")
				} else {
					require.Equal(t, [][3]int64{{2, 5, 0}}, got, "with no admin, a key without a user is removed")
				}
				err = db.InTx(ctx, func(tx store.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO api_keys (name, prefix, key_hash, user_id, created_at) VALUES ('x', 'zf_cccccc', 'h3', NULL, 3)`)
					return err
				})
				require.Error(t, err, "user_id is NOT NULL now")
			}
		})
	}
}
