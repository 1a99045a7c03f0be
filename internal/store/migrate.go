package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// MigrationStatus says what Migrate would do.
type MigrationStatus struct {
	Current, Latest int64 // our schema's versions
	RiverPending    bool  // River's own tables need migrating
}

// Pending reports whether anything is left to migrate.
func (s MigrationStatus) Pending() bool { return s.Current < s.Latest || s.RiverPending }

// Applied is what one Migrate call changed, for `zapflow migrate` to say.
type Applied struct {
	Migrations []string // our migration files, e.g. "00009_api_key_users.sql", in order
	River      []int    // River's own schema versions
}

// Migrate applies pending migrations: ours (goose, one folder per dialect
// with the same version numbers) and River's job tables.
func Migrate(ctx context.Context, db DB) error {
	_, err := MigrateReport(ctx, db)
	return err
}

// MigrateReport is Migrate that also says which migrations it applied
// (none when the schema was current).
func MigrateReport(ctx context.Context, db DB) (Applied, error) {
	var applied Applied
	p, closeDB, err := gooseProvider(db)
	if err != nil {
		return applied, err
	}
	defer closeDB()
	results, err := p.Up(ctx)
	if err != nil {
		return applied, fmt.Errorf("store: migrate: %w", err)
	}
	for _, r := range results {
		if r.Source != nil && !r.Empty {
			applied.Migrations = append(applied.Migrations, path.Base(r.Source.Path))
		}
	}
	var m interface {
		Migrate(context.Context, rivermigrate.Direction, *rivermigrate.MigrateOpts) (*rivermigrate.MigrateResult, error)
	}
	switch d := db.(type) {
	case *sqliteDB:
		m, err = rivermigrate.New(riversqlite.New(d.writer), nil)
	case *pgDB:
		m, err = rivermigrate.New(riverpgxv5.New(d.pool), nil)
	default:
		return applied, fmt.Errorf("store: unknown database %T", db)
	}
	if err != nil {
		return applied, fmt.Errorf("store: river migrator: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return applied, fmt.Errorf("store: migrate river: %w", err)
	}
	for _, v := range res.Versions {
		applied.River = append(applied.River, v.Version)
	}
	return applied, nil
}

// Status reports the schema versions without changing anything, so serve
// can refuse to start on an old schema when auto-migration is off.
func Status(ctx context.Context, db DB) (MigrationStatus, error) {
	p, closeDB, err := gooseProvider(db)
	if err != nil {
		return MigrationStatus{}, err
	}
	defer closeDB()
	var st MigrationStatus
	if st.Current, err = p.GetDBVersion(ctx); err != nil {
		return st, fmt.Errorf("store: schema version: %w", err)
	}
	for _, s := range p.ListSources() {
		st.Latest = max(st.Latest, s.Version)
	}
	var existing, all int
	switch d := db.(type) {
	case *sqliteDB:
		m, err := rivermigrate.New(riversqlite.New(d.writer), nil)
		if err != nil {
			return st, err
		}
		ex, err := m.ExistingVersions(ctx)
		if err != nil {
			ex = nil // no River tables yet
		}
		existing, all = len(ex), len(m.AllVersions())
	case *pgDB:
		m, err := rivermigrate.New(riverpgxv5.New(d.pool), nil)
		if err != nil {
			return st, err
		}
		ex, err := m.ExistingVersions(ctx)
		if err != nil {
			ex = nil
		}
		existing, all = len(ex), len(m.AllVersions())
	}
	st.RiverPending = existing < all
	return st, nil
}

// gooseProvider builds a goose provider over the dialect's migration
// folder. PostgreSQL gets a database/sql view of the pgx pool; the returned
// func releases it.
func gooseProvider(db DB) (*goose.Provider, func(), error) {
	var (
		sqlDB   *sql.DB
		dialect goose.Dialect
		dir     string
		closeFn = func() {}
	)
	switch d := db.(type) {
	case *sqliteDB:
		sqlDB, dialect, dir = d.writer, goose.DialectSQLite3, "migrations/sqlite"
	case *pgDB:
		sqlDB, dialect, dir = stdlib.OpenDBFromPool(d.pool), goose.DialectPostgres, "migrations/postgres"
		closeFn = func() { _ = sqlDB.Close() }
	default:
		return nil, nil, fmt.Errorf("store: unknown database %T", db)
	}
	sub, err := fs.Sub(migrationFS, dir)
	if err != nil {
		return nil, nil, err
	}
	p, err := goose.NewProvider(dialect, sqlDB, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, closeFn, nil
}

// SchemaFingerprint is a hash of every migration file (names and
// contents): equal fingerprints mean Migrate builds the same schema. Tests
// key their template databases by it.
func SchemaFingerprint() string {
	h := sha256.New()
	_ = fs.WalkDir(migrationFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrationFS.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}
