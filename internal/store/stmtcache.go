package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements for the SQLite writer. modernc's
// driver compiles every query it is given, and on the write path compiling
// cost about as much as running. The writer pool has one connection, so a
// statement prepared once on the pool serves every later transaction.
//
// A statement cannot be prepared on the pool while a transaction holds the
// only connection (it would wait for itself), so a query seen inside a
// transaction is noted and prepared right after that transaction ends.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
}

// stmtCacheMax bounds the cache: queries built at run time (multi-row
// inserts, IN lists) come in many shapes and beyond it simply run unprepared.
const stmtCacheMax = 256

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stmts[query]
	if st == nil && len(c.stmts)+len(c.wanted) < stmtCacheMax {
		c.wanted[query] = true
	}
	return st
}

// prepareWanted prepares the queries noted since the last call. It runs
// between transactions, when the connection is free.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		queries = append(queries, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range queries {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue // it will keep running unprepared, and fail loudly there if wrong
		}
		c.mu.Lock()
		if _, dup := c.stmts[q]; dup {
			_ = st.Close()
		} else {
			c.stmts[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		_ = st.Close()
	}
	clear(c.stmts)
}

// cachedTx runs a transaction's queries through the cached statements;
// Tx.StmtContext reuses the statement already prepared on the connection.
type cachedTx struct {
	tx    *sql.Tx
	cache *stmtCache
}

func (c cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.cache.lookup(query); st != nil {
		return c.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return c.tx.ExecContext(ctx, query, args...)
}

func (c cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.cache.lookup(query); st != nil {
		return c.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return c.tx.QueryContext(ctx, query, args...)
}

func (c cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.cache.lookup(query); st != nil {
		return c.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return c.tx.QueryRowContext(ctx, query, args...)
}
