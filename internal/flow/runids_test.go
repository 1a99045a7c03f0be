package flow

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Run ids drawn a block at a time on PostgreSQL are never handed out twice:
// not by two instances drawing from one database, not after a transaction
// that drew them rolled back. Within one instance they grow. On SQLite
// the id is the table's next one, read under the write lock.
func TestRunIDsAreUniqueAcrossInstances(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		var a, b runIDs // two instances
		draw := func(ids *runIDs, n int) []int64 {
			var out []int64
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
				for range n {
					id, err := newRunID(ctx, tx, db.Dialect(), ids)
					if err != nil {
						return err
					}
					out = append(out, id)
				}
				return nil
			}))
			return out
		}
		if db.Dialect() == store.SQLite {
			require.Equal(t, []int64{1, 2}, draw(&a, 2), "a transaction counts on from the largest id")
			require.Equal(t, []int64{1}, draw(&a, 1), "the next one reads it again: no row took 1")
			return
		}

		fromA := draw(&a, runIDBlock/2)
		fromB := draw(&b, runIDBlock+3) // B refills in the middle
		var rolledBack []int64
		errRollback := errors.New("roll back")
		require.ErrorIs(t, db.InTx(ctx, func(tx store.Tx) error {
			for range runIDBlock {
				id, err := newRunID(ctx, tx, db.Dialect(), &a)
				require.NoError(t, err)
				rolledBack = append(rolledBack, id)
			}
			return errRollback
		}), errRollback)
		fromA = append(fromA, draw(&a, runIDBlock)...)

		require.True(t, slices.IsSorted(fromA), "A's ids grow: %v", fromA)
		require.True(t, slices.IsSorted(fromB), "B's ids grow: %v", fromB)
		all := slices.Concat(fromA, fromB, rolledBack)
		seen := make(map[int64]bool, len(all))
		for _, id := range all {
			require.False(t, seen[id], "id %d handed out twice", id)
			seen[id] = true
		}
		require.Len(t, seen, runIDBlock/2+runIDBlock+3+2*runIDBlock)
	})
}
