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
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// ErrNewerSchema means the backup was written by a newer zapflow than this
// binary: its database has migrations this one does not know.
var ErrNewerSchema = errors.New("backup: the backup's schema is newer than this zapflow")

// ErrNotEmpty means the target database already holds data and Force was
// not set.
var ErrNotEmpty = errors.New("backup: the target database is not empty")

// RestoreOptions say what to restore where.
type RestoreOptions struct {
	Archive    string // path of the .tar.gz
	SQLitePath string // the database file to write
	DataDir    string // the media folder is replaced here; temporary files go here too
	Force      bool   // replace a database that holds data (it is kept beside, renamed)
	Now        func() time.Time
}

// RestoreResult says what Restore did.
type RestoreResult struct {
	Manifest Manifest
	Latest   int64         // the schema version this binary migrates to
	Applied  store.Applied // migrations applied after the restore
	Previous []string      // where replaced files were moved
}

// Restore checks the archive completely (every member against the
// manifest's size and SHA-256, the schema version against this binary's)
// before it changes anything, then moves the restored database and media
// into place and migrates up. A replaced database is renamed, not deleted.
// The server must be stopped while it runs.
func Restore(ctx context.Context, o RestoreOptions) (RestoreResult, error) {
	var res RestoreResult
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	latest, err := store.LatestSchema(store.SQLite)
	if err != nil {
		return res, err
	}
	res.Latest = latest
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return res, fmt.Errorf("backup: data folder: %w", err)
	}
	tmp, err := os.MkdirTemp(o.DataDir, ".restore-")
	if err != nil {
		return res, fmt.Errorf("backup: temporary folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	m, err := unpackFile(o.Archive, tmp)
	if err != nil {
		return res, err
	}
	res.Manifest = m
	if m.Database != string(store.SQLite) {
		return res, fmt.Errorf("%w: database %q", ErrDamaged, m.Database)
	}
	if m.SchemaVersion > latest {
		return res, fmt.Errorf("%w: it is at schema version %d and this zapflow knows versions up to %d: restore it with zapflow %s (which wrote it) or newer",
			ErrNewerSchema, m.SchemaVersion, latest, m.ZapflowVersion)
	}
	held, err := heldData(ctx, o.SQLitePath)
	if err != nil {
		return res, err
	}
	if held != "" && !o.Force {
		return res, fmt.Errorf("%w: %s holds %s; stop zapflow and pass -force to replace it (the current files are kept, renamed *.before-restore-…)", ErrNotEmpty, o.SQLitePath, held)
	}

	suffix := ".before-restore-" + now().UTC().Format("20060102-150405")
	for _, p := range []string{o.SQLitePath, o.SQLitePath + "-wal", o.SQLitePath + "-shm"} {
		moved, err := moveAside(p, suffix)
		if err != nil {
			return res, err
		}
		if moved != "" {
			res.Previous = append(res.Previous, moved)
		}
	}
	if err := os.Rename(filepath.Join(tmp, databaseName), o.SQLitePath); err != nil {
		return res, fmt.Errorf("backup: put the database in place: %w", err)
	}
	if err := os.Chmod(o.SQLitePath, 0o600); err != nil {
		return res, err
	}
	if hasMedia(m) {
		media := MediaDir(o.DataDir)
		moved, err := moveAside(media, suffix)
		if err != nil {
			return res, err
		}
		if moved != "" {
			res.Previous = append(res.Previous, moved)
		}
		if err := os.Rename(filepath.Join(tmp, "media"), media); err != nil {
			return res, fmt.Errorf("backup: put the media in place: %w", err)
		}
	}

	db, err := store.OpenSQLite(ctx, o.SQLitePath)
	if err != nil {
		return res, err
	}
	defer db.Close()
	if res.Applied, err = store.MigrateReport(ctx, db); err != nil {
		return res, fmt.Errorf("backup: restored, but migrating it up failed: %w", err)
	}
	return res, nil
}

func hasMedia(m Manifest) bool {
	for _, f := range m.Files {
		if strings.HasPrefix(f.Name, mediaPrefix) {
			return true
		}
	}
	return false
}

// moveAside renames p to p+suffix when it exists, returning the new name.
func moveAside(p, suffix string) (string, error) {
	if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if err := os.Rename(p, p+suffix); err != nil {
		return "", fmt.Errorf("backup: keep %s: %w", p, err)
	}
	return p + suffix, nil
}

// dataTables hold what people and customers create: a database with a
// row in any of them is not empty for Restore. Other tables are either
// bookkeeping or filled by the migrations themselves (default prompts).
var dataTables = []string{"users", "accounts", "contacts", "messages", "flows"}

// heldData describes the data a database file holds ("contacts: 1,
// users: 2"), or "" when the file is absent or holds none.
func heldData(ctx context.Context, path string) (string, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return "", err
	}
	defer db.Close()
	counts, err := countRows(ctx, db)
	if err != nil {
		return "", fmt.Errorf("backup: read the target database %s: %w", path, err)
	}
	var parts []string
	for _, t := range dataTables {
		if n := counts[t]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", t, n))
		}
	}
	return strings.Join(parts, ", "), nil
}

// Verify reads a whole archive and checks it against its manifest without
// restoring anything.
func Verify(archive string) (Manifest, error) {
	tmp, err := os.MkdirTemp("", "zapflow-verify-")
	if err != nil {
		return Manifest{}, err
	}
	defer os.RemoveAll(tmp)
	return unpackFile(archive, tmp)
}

func unpackFile(archive, dir string) (Manifest, error) {
	f, err := os.Open(archive)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	return unpack(f, dir)
}

// unpack extracts an archive into dir, hashing every member, and checks
// the result against the manifest: same members, sizes and checksums.
func unpack(r io.Reader, dir string) (Manifest, error) {
	damaged := func(format string, a ...any) (Manifest, error) {
		return Manifest{}, fmt.Errorf("%w: "+format, append([]any{ErrDamaged}, a...)...)
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		return damaged("%v", err)
	}
	tr := tar.NewReader(gz)
	got := map[string]File{}
	var manifest []byte
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return damaged("%v", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return damaged("unexpected member %q", hdr.Name)
		}
		if hdr.Name == manifestName {
			if manifest, err = io.ReadAll(io.LimitReader(tr, 64<<20)); err != nil {
				return damaged("%v", err)
			}
			continue
		}
		if !safeName(hdr.Name) || got[hdr.Name].Name != "" {
			return damaged("unexpected member %q", hdr.Name)
		}
		f, err := extract(tr, dir, hdr.Name)
		if err != nil {
			return damaged("%s: %v", hdr.Name, err)
		}
		got[hdr.Name] = f
	}
	if err := gz.Close(); err != nil {
		return damaged("%v", err)
	}
	if manifest == nil {
		return damaged("no manifest.json")
	}
	m, err := decodeManifest(manifest)
	if err != nil {
		return m, err
	}
	for _, want := range m.Files {
		have, ok := got[want.Name]
		switch {
		case !ok:
			return damaged("%s is missing", want.Name)
		case have.Size != want.Size || have.SHA256 != want.SHA256:
			return damaged("%s does not match its checksum", want.Name)
		}
		delete(got, want.Name)
	}
	for name := range got {
		return damaged("%s is not in the manifest", name)
	}
	return m, nil
}

func extract(r io.Reader, dir, name string) (File, error) {
	dst := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return File{}, err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), r)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return File{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
}
