package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
)

// connStmtMax bounds the statements one writer connection keeps prepared:
// queries built at run time (multi-row inserts, IN lists) come in several
// shapes each, and beyond it simply run unprepared.
const connStmtMax = 512

// stmtConnector opens SQLite connections that keep every statement they
// are given prepared, by its text, for the connection's life. The writer
// pool is shared with River, whose SQLite driver runs each statement
// unprepared: modernc's driver then compiles it anew on every call, and
// River completes jobs one statement per job. Measured with the
// assistant answering (a reply job per inbound message), completing jobs
// cost 1.33 s of 7.6 s of CPU, half of it compiling. Our own write
// transactions run their statements the same way (connRunner).
type stmtConnector struct {
	dsn string
	drv driver.Driver
}

// newStmtConnector connects to dsn through the driver registered as
// "sqlite" (modernc's).
func newStmtConnector(dsn string) (stmtConnector, error) {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		return stmtConnector{}, err
	}
	drv := db.Driver()
	_ = db.Close()
	return stmtConnector{dsn: dsn, drv: drv}, nil
}

func (c stmtConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteDriverConn)
	if !ok {
		return conn, nil // not the driver this was written for: no cache
	}
	return &stmtConn{sqliteDriverConn: inner, stmts: map[string]*connStmt{}}, nil
}

func (c stmtConnector) Driver() driver.Driver { return c.drv }

// sqliteDriverConn is what modernc's connection implements and
// database/sql uses.
type sqliteDriverConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtConn runs queries through statements it keeps prepared. A
// statement has one cursor: while rows of its last query are still open,
// the same text runs unprepared, as before.
type stmtConn struct {
	sqliteDriverConn
	stmts map[string]*connStmt
}

type connStmt struct {
	stmt driver.Stmt
	busy bool // rows of its last query are open
}

// prepared returns text's statement, preparing it on first use; nil when
// the cache is full, text is not a query or text does not prepare (the
// unprepared path then reports the error).
func (c *stmtConn) prepared(ctx context.Context, text string) *connStmt {
	if s, ok := c.stmts[text]; ok {
		return s
	}
	if len(c.stmts) >= connStmtMax || !isQuery(text) {
		return nil
	}
	st, err := c.sqliteDriverConn.PrepareContext(ctx, text)
	if err != nil {
		return nil
	}
	s := &connStmt{stmt: st}
	c.stmts[text] = s
	return s
}

// isQuery reports whether text is a query worth keeping prepared: a
// SELECT, INSERT, UPDATE, DELETE or WITH, after any "--" comment lines (River
// names its queries so). The rest run once: the migrations' CREATE, ALTER
// and DROP statements, two hundred of them, filled the cache at every
// start before a single query was kept.
func isQuery(text string) bool {
	for {
		text = strings.TrimLeft(text, " \t\r\n")
		if !strings.HasPrefix(text, "--") {
			break
		}
		end := strings.IndexByte(text, '\n')
		if end < 0 {
			return false
		}
		text = text[end+1:]
	}
	end := strings.IndexAny(text, " \t\r\n(")
	if end < 0 {
		end = len(text)
	}
	switch strings.ToUpper(text[:end]) {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH":
		return true
	}
	return false
}

func (c *stmtConn) ExecContext(ctx context.Context, text string, args []driver.NamedValue) (driver.Result, error) {
	if s := c.prepared(ctx, text); s != nil && !s.busy {
		if st, ok := s.stmt.(driver.StmtExecContext); ok {
			return st.ExecContext(ctx, args)
		}
	}
	return c.sqliteDriverConn.ExecContext(ctx, text, args)
}

func (c *stmtConn) QueryContext(ctx context.Context, text string, args []driver.NamedValue) (driver.Rows, error) {
	if s := c.prepared(ctx, text); s != nil && !s.busy {
		if st, ok := s.stmt.(driver.StmtQueryContext); ok {
			rows, err := st.QueryContext(ctx, args)
			if err != nil {
				return nil, err
			}
			s.busy = true
			return &connRows{Rows: rows, s: s}, nil
		}
	}
	return c.sqliteDriverConn.QueryContext(ctx, text, args)
}

func (c *stmtConn) Close() error {
	for _, s := range c.stmts {
		_ = s.stmt.Close()
	}
	clear(c.stmts)
	return c.sqliteDriverConn.Close()
}

// connRows frees its statement for the next query when closed.
type connRows struct {
	driver.Rows
	s *connStmt
}

func (r *connRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	return err
}
