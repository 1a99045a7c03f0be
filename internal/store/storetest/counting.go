package storetest

import (
	"context"
	"sync/atomic"

	"github.com/zapflow/zapflow/internal/store"
)

// CountingDB is a store.DB that counts its write transactions, for tests
// of work that should share them (group commit).
type CountingDB struct {
	store.DB
	txs atomic.Int64
}

// Counting wraps db.
func Counting(db store.DB) *CountingDB { return &CountingDB{DB: db} }

// InTx counts the transaction and runs it on the wrapped database.
func (c *CountingDB) InTx(ctx context.Context, fn func(store.Tx) error) error {
	c.txs.Add(1)
	return c.DB.InTx(ctx, fn)
}

// Txs is how many transactions began so far.
func (c *CountingDB) Txs() int64 { return c.txs.Load() }
