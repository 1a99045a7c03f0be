package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgDB is the scale option: one pgx pool shared by our queries and River.
type pgDB struct {
	pool    *pgxpool.Pool
	txTimer // txtime.go
}

// OpenPostgres connects to the PostgreSQL server at url.
func OpenPostgres(ctx context.Context, url string) (DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: parse database URL %s: %w", redactURL(url), err)
	}
	return OpenPostgresConfig(ctx, cfg)
}

// OpenPostgresConfig connects with an already parsed pool config (tests use
// it to pin a schema through search_path).
func OpenPostgresConfig(ctx context.Context, cfg *pgxpool.Config) (DB, error) {
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect postgres %s: %w", cfg.ConnConfig.Host, err)
	}
	return &pgDB{pool: pool}, nil
}

func (d *pgDB) Dialect() Dialect { return Postgres }
func (d *pgDB) Read() Querier    { return pgQuerier{d.pool} }

// Pool is the pgx pool River runs on.
func (d *pgDB) Pool() *pgxpool.Pool { return d.pool }

func (d *pgDB) InTx(ctx context.Context, fn func(Tx) error) error {
	defer d.done(time.Now())
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", mapPgErr(err))
	}
	if isRelaxed(ctx) {
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			_ = tx.Rollback(ctx)
			return fmt.Errorf("store: begin: %w", mapPgErr(err))
		}
	}
	after := &afterCommit{}
	if err := fn(pgTx{pgQuerier{tx}, tx, after, &txMemo{}}); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	if err := after.runBefore(); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store: commit: %w", mapPgErr(err))
	}
	after.run()
	return nil
}

func (d *pgDB) Close() error {
	d.pool.Close()
	return nil
}

// pgRunner is what *pgxpool.Pool and pgx.Tx share.
type pgRunner interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type pgQuerier struct{ r pgRunner }

func (q pgQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.r.Exec(ctx, rebind(query), args...)
	if err != nil {
		return 0, mapPgErr(err)
	}
	return tag.RowsAffected(), nil
}

func (q pgQuerier) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.r.Query(ctx, rebind(query), args...)
	if err != nil {
		return nil, mapPgErr(err)
	}
	return pgRows{rows}, nil
}

func (q pgQuerier) QueryRow(ctx context.Context, query string, args ...any) Row {
	return pgRow{q.r.QueryRow(ctx, rebind(query), args...)}
}

type pgTx struct {
	pgQuerier
	tx pgx.Tx
	*afterCommit
	memo *txMemo
}

func (t pgTx) Driver() any { return t.tx }

type pgRows struct{ rows pgx.Rows }

func (r pgRows) Next() bool             { return r.rows.Next() }
func (r pgRows) Scan(dest ...any) error { return mapPgErr(r.rows.Scan(dest...)) }
func (r pgRows) Err() error             { return mapPgErr(r.rows.Err()) }
func (r pgRows) Close()                 { r.rows.Close() }

type pgRow struct{ row pgx.Row }

func (r pgRow) Scan(dest ...any) error { return mapPgErr(r.row.Scan(dest...)) }

// mapPgErr is mapSQLiteErr's twin for PostgreSQL.
func mapPgErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}
