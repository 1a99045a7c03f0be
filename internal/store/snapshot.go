package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// ErrNotSQLite is returned by VacuumInto for a PostgreSQL database, whose
// backups are pg_dump's job.
var ErrNotSQLite = errors.New("store: not a SQLite database")

// VacuumInto writes a consistent snapshot of a SQLite database to dest, a
// path that must not exist yet. It runs SQLite's VACUUM INTO on a reader
// connection: a read transaction in WAL mode, so writers (the intake, the
// job queue) go on committing while it copies, and the copy holds exactly
// what was committed when it began. Copying the live file instead could
// tear a page the writer is changing.
func VacuumInto(ctx context.Context, db DB, dest string) error {
	d, ok := db.(*sqliteDB)
	if !ok {
		return ErrNotSQLite
	}
	conn, err := d.reader.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	defer conn.Close()
	// query_only forbids writing the database this connection is on; the
	// snapshot is a different file, which VACUUM INTO creates itself.
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = 1") }()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("store: snapshot into %s: %w", dest, err)
	}
	return nil
}

// LatestSchema is the highest migration version this binary carries for
// dialect d: a backup or database with a higher one was written by a newer
// zapflow.
func LatestSchema(d Dialect) (int64, error) {
	dir := "migrations/sqlite"
	if d == Postgres {
		dir = "migrations/postgres"
	}
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, e := range entries {
		num, _, ok := strings.Cut(path.Base(e.Name()), "_")
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			continue
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// MigrateTo applies our migrations up to and including version only (no
// River tables): tests use it to build a database as an older zapflow left
// it.
func MigrateTo(ctx context.Context, db DB, version int64) error {
	p, closeDB, err := gooseProvider(db)
	if err != nil {
		return err
	}
	defer closeDB()
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("store: migrate to %d: %w", version, err)
	}
	return nil
}
