package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// VacuumInto copies what is committed into a new file, from the read pool,
// while the database stays open for writes.
func TestVacuumInto(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t, store.SQLite)
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('snap', '1', 1)`)
		return err
	}))
	dest := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, store.VacuumInto(ctx, db, dest))
	require.ErrorContains(t, store.VacuumInto(ctx, db, dest), "snapshot", "an existing file is never overwritten")

	cp, err := sql.Open("sqlite", "file:"+dest)
	require.NoError(t, err)
	defer cp.Close()
	var v string
	require.NoError(t, cp.QueryRow(`SELECT value FROM settings WHERE key = 'snap'`).Scan(&v))
	require.Equal(t, "1", v)

	// The reader connection is read-only again afterwards.
	_, err = db.Read().Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('after', '1', 1)`)
	require.Error(t, err)
	latest, err := store.LatestSchema(store.SQLite)
	require.NoError(t, err)
	st, err := store.Status(ctx, db)
	require.NoError(t, err)
	require.Equal(t, st.Latest, latest)
}
