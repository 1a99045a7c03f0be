package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/store"
)

// openData opens (and migrates up to version, 0 for all) a SQLite database
// in a fresh data folder.
func openData(t *testing.T, version int64) (store.DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "zapflow.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	if version == 0 {
		require.NoError(t, store.Migrate(context.Background(), db))
	} else {
		require.NoError(t, store.MigrateTo(context.Background(), db, version))
	}
	return db, dir
}

// exec runs statements in one transaction.
func exec(t *testing.T, db store.DB, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}))
}

// member is one archive entry, read whole.
type member struct {
	name string
	body []byte
}

func readArchive(t *testing.T, path string) []member {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	var out []member
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		out = append(out, member{hdr.Name, b})
	}
}

func writeArchive(t *testing.T, path string, ms []member) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range ms {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o600, Size: int64(len(m.body)), Typeflag: tar.TypeReg}))
		_, err := tw.Write(m.body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
}

// rewrite copies an archive, letting edit change its members.
func rewrite(t *testing.T, src string, edit func([]member) []member) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "edited.tar.gz")
	writeArchive(t, dst, edit(readArchive(t, src)))
	return dst
}
