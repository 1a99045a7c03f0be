package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteDB is the embedded default: a single-connection writer pool and a
// read-only pool over the same WAL file.
type sqliteDB struct {
	writer *sql.DB
	reader *sql.DB
	// readStmts: statements prepared on the reader pool (readstmt.go).
	readStmts *readStmts
	// wal flushes the write-ahead log for durable commits, after the
	// writer connection is released (walsync.go).
	wal *walSyncer
	// checkpoints copies the log into the database off the writer
	// (checkpoint.go).
	checkpoints *checkpointer
	// gate orders the transactions waiting for the writer (writegate.go).
	gate    writeGate
	txTimer // txtime.go
}

// OpenSQLite opens (creating it and its folder if needed) the SQLite file
// at path in WAL mode.
func OpenSQLite(ctx context.Context, path string) (DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: create data folder: %w", err)
		}
	}
	// Create the file owner-only before SQLite does (it would use the
	// umask, usually 0644): it holds every conversation. SQLite gives the
	// -wal and -shm files the database file's mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		_ = f.Close()
	}
	// synchronous=NORMAL: a commit survives a crash of zapflow at once,
	// and a power loss once InTx has flushed the log after releasing the
	// connection (walsync.go); relaxed transactions skip that flush.
	// busy_timeout covers the rare moment a checkpoint or another process
	// (zapflow migrate) holds the lock.
	//
	// cache_size is per connection, so the page caches together are bounded
	// by writerCacheKiB + readerConns × readerCacheKiB (48 MiB): the writer
	// keeps the indexes it updates hot, and each reader a smaller working
	// set (what misses is read from the OS page cache, which the kernel
	// shares and can reclaim). With 16 MB on every connection the caches
	// alone could have grown to 144 MB, most of the 200 MB budget.
	pragmas := []string{
		"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)",
		// The writer never checkpoints: checkpoint.go does, on its own
		// connection; after a burst the log file is trimmed back to 64 MiB,
		// what a RESTART checkpoint lets it reach (restartFrames). A lower
		// limit trimmed it at nearly every restart under steady load (the
		// log then holds the writes of one checkpoint interval, about 20
		// MB at 5,000 webhooks/s), and the writer paid the truncation and
		// then the file's growth again: 16 MiB cost 1.4-1.7% of its time
		// in ftruncate under bench-intake, 64 MiB 0.1-0.4%.
		"wal_autocheckpoint(0)", "journal_size_limit(67108864)",
		"foreign_keys(ON)", "temp_store(MEMORY)", fmt.Sprintf("cache_size(-%d)", writerCacheKiB),
	}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	connector, err := newStmtConnector("file:" + path + "?" + q.Encode() + "&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	writer := sql.OpenDB(connector)
	// One writer: SQLite serialises writers anyway, and River's SQLite
	// driver requires a single-connection pool to avoid SQLITE_BUSY.
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	rq := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(ON)", "query_only(1)", fmt.Sprintf("cache_size(-%d)", readerCacheKiB)} {
		rq.Add("_pragma", p)
	}
	reader, err := sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: open sqlite reader: %w", err)
	}
	reader.SetMaxOpenConns(readerConns)
	reader.SetMaxIdleConns(readerConns)
	reader.SetConnMaxIdleTime(5 * time.Minute)
	ckpt, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("store: open sqlite checkpointer: %w", err)
	}
	ckpt.SetMaxOpenConns(1)
	d := &sqliteDB{writer: writer, reader: reader, readStmts: newReadStmts(reader), wal: newWALSyncer(path)}
	d.checkpoints = newCheckpointer(ckpt, &d.gate, slog.Default())
	d.checkpoints.start()
	return d, nil
}

// The SQLite connection pools and their page caches (see OpenSQLite).
const (
	readerConns    = 8
	writerCacheKiB = 16000
	readerCacheKiB = 4000
)

func (d *sqliteDB) Dialect() Dialect { return SQLite }
func (d *sqliteDB) Read() Querier    { return sqlQuerier{d.readStmts} }

// Writer is the single-connection pool River runs on.
func (d *sqliteDB) Writer() *sql.DB { return d.writer }

func (d *sqliteDB) InTx(ctx context.Context, fn func(Tx) error) error {
	defer d.done(time.Now())
	after, err := d.commit(ctx, fn)
	if err != nil {
		return err
	}
	if !isRelaxed(ctx) {
		// The connection is free for the next writer while this waits.
		if err := d.wal.wait(); err != nil {
			return err
		}
	}
	after.run()
	return nil
}

// commit runs fn in a transaction on the writer connection and commits
// it (not yet flushed to disk), holding the connection only that long.
func (d *sqliteDB) commit(ctx context.Context, fn func(Tx) error) (*afterCommit, error) {
	if err := d.gate.acquire(ctx, IsUrgent(ctx)); err != nil {
		return nil, err
	}
	defer d.gate.release()
	conn, err := d.writer.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: begin: %w", mapSQLiteErr(err))
	}
	defer conn.Close() // back in the pool before the gate's next holder runs
	// Not cancellable: see connRunner.
	tx, err := conn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin: %w", mapSQLiteErr(err))
	}
	// A panic in fn rolls back on its way up: left open, the transaction
	// would keep the pool's only connection, and closing conn waits for it.
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	after := &afterCommit{}
	if err := fn(sqlTx{sqlQuerier{connRunner{conn}}, tx, after, &txMemo{}}); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if err := after.runBefore(); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: commit: %w", mapSQLiteErr(err))
	}
	return after, nil
}

func (d *sqliteDB) Close() error {
	d.checkpoints.close()
	d.readStmts.close()
	// The writer last: closing the file's last connection checkpoints the
	// whole log into the database and removes it.
	return errors.Join(d.checkpoints.conn.Close(), d.reader.Close(), d.writer.Close())
}

// connRunner runs a write transaction's statements on the connection
// that holds the transaction rather than through its *sql.Tx (which
// River's job inserts use, and which the connection's BEGIN and COMMIT go
// through). database/sql starts a goroutine for every query of a *sql.Tx
// (to close its rows should the transaction's context end) and binds a
// prepared statement to the transaction anew for every run; on the
// connection, with a context that cannot end, it does neither, and the
// connection's kept statements serve every query (stmtConn). A trivial
// read in a transaction went from 5.5-6.8 µs, 28 allocations and 1,254
// bytes to 1.8-3.0 µs, 17 and 536 (BenchmarkTxStatement). In ten
// alternating pairs of bench-flows runs, 1,388 flows/s on average against
// 1,266 (the writer held 711 µs a flow against 775); in four of
// bench-intake, the writer held 133-195 µs a message against 136-227
// (the gain was largest while the host was slow).
//
// So a statement of a write transaction is not interrupted when the
// caller's context ends: on the single writer a transaction, once begun,
// runs to its end or its first error. The transaction begins with a
// context that cannot end for the same reason: database/sql would roll it
// back from another goroutine when the context ended, and the statements
// after that, run on the connection, would commit one by one.
type connRunner struct{ c *sql.Conn }

func (r connRunner) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.c.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (r connRunner) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.c.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (r connRunner) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return r.c.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

// sqlRunner is what *sql.DB, *sql.Conn and *sql.Tx share.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type sqlQuerier struct{ r sqlRunner }

func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.r.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, mapSQLiteErr(err)
	}
	return res.RowsAffected()
}

func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapSQLiteErr(err)
	}
	return sqlRows{rows}, nil
}

func (q sqlQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return sqlRow{q.r.QueryRowContext(ctx, query, args...)}
}

type sqlTx struct {
	sqlQuerier
	tx *sql.Tx
	*afterCommit
	memo *txMemo
}

func (t sqlTx) Driver() any { return t.tx }

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close()                 { _ = r.Rows.Close() }
func (r sqlRows) Scan(dest ...any) error { return mapSQLiteErr(r.Rows.Scan(dest...)) }
func (r sqlRows) Err() error             { return mapSQLiteErr(r.Rows.Err()) }

type sqlRow struct{ *sql.Row }

func (r sqlRow) Scan(dest ...any) error { return mapSQLiteErr(r.Row.Scan(dest...)) }

// mapSQLiteErr turns driver errors our callers branch on into ErrNotFound
// and ErrConflict, keeping the original for logs.
func mapSQLiteErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", ErrConflict, err)
		}
	}
	return err
}
