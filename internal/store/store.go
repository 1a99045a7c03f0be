package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Dialect names the database behind a DB.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned by Row.Scan when the query matched no row, on
// either driver.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a write violates a unique constraint, on
// either driver.
var ErrConflict = errors.New("store: conflict")

// Querier runs SQL written with "?" placeholders.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is the result of Query. Close must be called (deferred) by the caller.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is the result of QueryRow; Scan returns ErrNotFound for no row.
type Row interface {
	Scan(dest ...any) error
}

// Tx is a transaction. Driver returns the driver's own transaction (*sql.Tx
// on SQLite, pgx.Tx on PostgreSQL) because River's InsertTx needs it to put
// jobs in the same transaction as our rows.
type Tx interface {
	Querier
	Driver() any
	// AfterCommit runs f once the transaction has committed (never when it
	// rolls back): the place to wake a worker about rows it just wrote,
	// which it could not see before the commit.
	AfterCommit(f func())
	// BeforeCommit runs f once fn has returned nil, just before the
	// commit, outside any savepoint; a second f with the same key is
	// dropped (one NOTIFY per transaction however many events it
	// appends). An error rolls the transaction back.
	BeforeCommit(key string, f func() error)
}

// afterCommit collects a transaction's AfterCommit and BeforeCommit
// callbacks.
type afterCommit struct {
	fs     []func()
	before []func() error
	keys   map[string]bool
}

func (a *afterCommit) AfterCommit(f func()) { a.fs = append(a.fs, f) }

func (a *afterCommit) BeforeCommit(key string, f func() error) {
	if a.keys[key] {
		return
	}
	if a.keys == nil {
		a.keys = map[string]bool{}
	}
	a.keys[key] = true
	a.before = append(a.before, f)
}

// runBefore runs the BeforeCommit callbacks, in the order they were added.
func (a *afterCommit) runBefore() error {
	for _, f := range a.before {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

func (a *afterCommit) run() {
	for _, f := range a.fs {
		f()
	}
}

// DB is an open database of either dialect.
type DB interface {
	// Dialect tells which database this is.
	Dialect() Dialect
	// Read returns a querier for reads that need no transaction.
	Read() Querier
	// InTx runs fn in a write transaction, committing when fn returns nil.
	InTx(ctx context.Context, fn func(Tx) error) error
	// Close releases the pools.
	Close() error
}

// Open opens the database named by url: "" or a sqlite path/URL opens
// SQLite (the file path is sqlitePath when url is empty), "postgres://…"
// opens PostgreSQL.
func Open(ctx context.Context, url, sqlitePath string) (DB, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return OpenPostgres(ctx, url)
	case url == "":
		return OpenSQLite(ctx, sqlitePath)
	case strings.HasPrefix(url, "sqlite://"):
		return OpenSQLite(ctx, strings.TrimPrefix(url, "sqlite://"))
	default:
		return nil, fmt.Errorf("store: unsupported database URL %q: use postgres://… or leave it empty for SQLite", redactURL(url))
	}
}

// Millis is the portable time representation: unix milliseconds, 0 for the
// zero time.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Time converts Millis back; 0 becomes the zero time.
func Time(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// redactURL hides a password in a database URL before it is printed.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	creds := u[scheme+3 : at]
	if i := strings.Index(creds, ":"); i >= 0 {
		return u[:scheme+3] + creds[:i] + ":***" + u[at:]
	}
	return u
}
