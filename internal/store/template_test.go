package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Test databases are copies of one migrated template per dialect: each
// copy must be at the latest schema with nothing pending, and copies must
// not share rows.
func TestTemplateCopiesAreCurrentAndSeparate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			a, b := storetest.New(t, d), storetest.New(t, d)
			st, err := store.Status(ctx, a)
			require.NoError(t, err)
			require.False(t, st.Pending(), "%+v", st)
			require.Equal(t, st.Latest, st.Current)
			require.NoError(t, a.InTx(ctx, func(tx store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO contacts (wa_id, phone, created_at, updated_at) VALUES ('5511911112222', '+5511911112222', 0, 0)`)
				return err
			}))
			var n int
			require.NoError(t, b.Read().QueryRow(ctx, `SELECT COUNT(*) FROM contacts`).Scan(&n))
			require.Zero(t, n, "a copy sees nothing of another")
		})
	}
	require.Len(t, store.SchemaFingerprint(), 64)
}
