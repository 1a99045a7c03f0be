package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Options say what to back up.
type Options struct {
	DB      store.DB
	DataDir string // holds the media folder; temporary files go here too (same disk as the database)
	Version string // zapflow version, for the manifest
	Now     func() time.Time
}

// MediaDir is where media files of an installation live.
func MediaDir(dataDir string) string { return filepath.Join(dataDir, "media") }

// CreateFile writes a backup to path. It writes a temporary file next to
// it and renames it at the end, so path is either a complete backup or
// absent, and it is readable by its owner only.
func CreateFile(ctx context.Context, o Options, path string) (Manifest, error) {
	if o.DB.Dialect() != store.SQLite {
		return Manifest{}, ErrPostgres
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".zapflow-backup-*.tmp")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	m, err := Create(ctx, o, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: write %s: %w", path, err)
	}
	return m, nil
}

// Create writes a backup archive to w: the database snapshot, the media
// files, then manifest.json. The manifest comes last so every checksum is
// of the bytes actually written, computed in the same pass.
func Create(ctx context.Context, o Options, w io.Writer) (Manifest, error) {
	if o.DB.Dialect() != store.SQLite {
		return Manifest{}, ErrPostgres
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	tmp, err := os.MkdirTemp(o.DataDir, ".backup-")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: temporary folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, databaseName)
	if err := store.VacuumInto(ctx, o.DB, snap); err != nil {
		return Manifest{}, err
	}
	m := Manifest{Format: FormatVersion, ZapflowVersion: o.Version, CreatedAt: now().UTC().Truncate(time.Second), Database: string(store.SQLite)}
	if m.SchemaVersion, m.Tables, err = inspect(ctx, snap); err != nil {
		return Manifest{}, err
	}

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	add := func(name, src string) error {
		f, err := addFile(tw, name, src, m.CreatedAt)
		if err != nil {
			return err
		}
		m.Files = append(m.Files, f)
		return nil
	}
	if err := add(databaseName, snap); err != nil {
		return Manifest{}, err
	}
	media := MediaDir(o.DataDir)
	err = filepath.WalkDir(media, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == media {
			return fs.SkipAll
		}
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(media, p)
		if err != nil {
			return err
		}
		return add(mediaPrefix+filepath.ToSlash(rel), p)
	})
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: media: %w", err)
	}
	body, err := m.encode()
	if err != nil {
		return Manifest{}, err
	}
	hdr := &tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(body)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return Manifest{}, err
	}
	if _, err := tw.Write(body); err != nil {
		return Manifest{}, err
	}
	if err := tw.Close(); err != nil {
		return Manifest{}, err
	}
	return m, gz.Close()
}

// addFile copies src into the archive as name and returns its checksum.
func addFile(tw *tar.Writer, name, src string, at time.Time) (File, error) {
	f, err := os.Open(src)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return File{}, err
	}
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: at, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), io.LimitReader(f, st.Size()))
	if err != nil {
		return File{}, fmt.Errorf("backup: add %s: %w", name, err)
	}
	if n != st.Size() {
		return File{}, fmt.Errorf("backup: %s shrank while it was copied", src)
	}
	return File{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// inspect reads a snapshot's schema version and the row count of every
// table, and turns it into a self-contained file (no -wal beside it).
func inspect(ctx context.Context, path string) (int64, map[string]int64, error) {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return 0, nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode = DELETE"); err != nil {
		return 0, nil, fmt.Errorf("backup: snapshot: %w", err)
	}
	counts, err := countRows(ctx, db)
	if err != nil {
		return 0, nil, err
	}
	var version int64
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version`).Scan(&version); err != nil {
		return 0, nil, fmt.Errorf("backup: snapshot has no schema version (not a zapflow database?): %w", err)
	}
	return version, counts, nil
}

// countRows counts the rows of every table of a SQLite database.
func countRows(ctx context.Context, db *sql.DB) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("backup: list tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	counts := make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		// n comes from sqlite_master, quoted as an identifier.
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+n+`"`).Scan(&c); err != nil {
			return nil, fmt.Errorf("backup: count %s: %w", n, err)
		}
		counts[n] = c
	}
	return counts, nil
}
