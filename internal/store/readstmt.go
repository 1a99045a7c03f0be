package store

import (
	"context"
	"database/sql"
	"sync"
)

// readStmts runs the SQLite reader pool's queries through prepared
// statements. modernc's driver compiles every query it is handed, and the
// hot reads (the API-key lookup on every API call, the send queue's
// per-sender reads, the inbox) were paying that compile on every call: a
// profile of POST /api/v1/events showed about 9% of CPU re-parsing the
// API-key lookup. A *sql.Stmt on the pool is prepared once per connection
// that runs it and kept there, so after warm-up a read only binds and
// steps. (The writer's connection keeps its statements itself:
// sqliteconn.go.)
type readStmts struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// readStmtMax bounds the cache: queries built at run time (IN lists) come
// in many shapes and beyond it simply run unprepared.
const readStmtMax = 256

func newReadStmts(db *sql.DB) *readStmts {
	return &readStmts{db: db, stmts: map[string]*sql.Stmt{}}
}

// stmt returns query's statement, preparing it on first use; nil once the
// cache holds readStmtMax statements (queries built at run time, such as
// IN lists, then simply run unprepared) or when preparing fails (running
// it unprepared reports the error where it belongs).
func (c *readStmts) stmt(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.stmts[query]
	full := len(c.stmts) >= readStmtMax
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, dup := c.stmts[query]; dup {
		_ = st.Close()
		return prev
	}
	c.stmts[query] = st
	return st
}

func (c *readStmts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		_ = st.Close()
	}
	clear(c.stmts)
}

func (c *readStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

func (c *readStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c *readStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}
