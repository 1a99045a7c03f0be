package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A backlog of new rows is indexed in slices of store.SearchBatch, one
// transaction each, so the writer every other transaction waits for is
// never held for the whole backlog; the slices add up to every row.
func TestSearchIndexTakesABacklogInSlices(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t, store.SQLite)
	backlog := store.SearchBatch + 7
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		for i := range backlog {
			if _, err := tx.Exec(ctx, `INSERT INTO contacts (wa_id, phone, profile_name, created_at, updated_at) VALUES (?, ?, ?, 1, 1)`,
				fmt.Sprintf("55119%08d", i), fmt.Sprintf("+55119%08d", i), fmt.Sprintf("Cliente %d", i)); err != nil {
				return err
			}
		}
		return nil
	}))
	indexed := func() (n int) {
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM contact_search WHERE contact_search MATCH '"Cliente"'`).Scan(&n))
		return n
	}

	n, err := store.IndexSearch(ctx, db)
	require.NoError(t, err)
	require.Equal(t, store.SearchBatch, n, "one pass, one slice")
	require.Equal(t, store.SearchBatch, indexed())

	n, err = store.IndexSearch(ctx, db)
	require.NoError(t, err)
	require.Equal(t, 7, n)
	require.Equal(t, backlog, indexed())

	n, err = store.IndexSearch(ctx, db)
	require.NoError(t, err)
	require.Zero(t, n)
}
