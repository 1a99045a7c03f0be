// Package media keeps the files of messages (a customer's photos, voice
// notes, documents…) by their SHA-256, so the same bytes are kept once
// however many messages carry them. Store is the seam for other backends
// (an S3-compatible bucket); FS keeps them under the data folder.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrNotFound is returned by Get for a hash the store does not hold.
var ErrNotFound = errors.New("media: file not found")

// Store keeps files by the hex SHA-256 of their bytes. Put of a hash
// already held is a no-op; Delete of one not held is not an error.
type Store interface {
	Put(ctx context.Context, sha256Hex string, data []byte) error
	Get(ctx context.Context, sha256Hex string) (io.ReadCloser, int64, error)
	Delete(ctx context.Context, sha256Hex string) error
}

// Hash is the hex SHA-256 of data, the key a Store files it under.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// FS is a Store in a folder: <dir>/<ab>/<abcdef…>, two-level so no one
// folder grows past what file systems list quickly.
type FS struct {
	dir string
}

// NewFS returns a Store under dir (created when missing).
func NewFS(dir string) (*FS, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("media: create %s: %w", dir, err)
	}
	return &FS{dir: dir}, nil
}

func (f *FS) path(h string) (string, error) {
	if !validHash(h) {
		return "", fmt.Errorf("media: %q is not a SHA-256", h)
	}
	return filepath.Join(f.dir, h[:2], h), nil
}

// Put writes data under h through a temporary file and a rename, so a
// reader never sees half a file. It checks that h is data's hash.
func (f *FS) Put(_ context.Context, h string, data []byte) error {
	p, err := f.path(h)
	if err != nil {
		return err
	}
	if Hash(data) != h {
		return fmt.Errorf("media: the bytes do not hash to %s", h)
	}
	if st, err := os.Stat(p); err == nil && st.Size() == int64(len(data)) {
		return nil // held already
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("media: write %s: %w", h, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// Get opens the file under h and says its size.
func (f *FS) Get(_ context.Context, h string) (io.ReadCloser, int64, error) {
	p, err := f.path(h)
	if err != nil {
		return nil, 0, err
	}
	file, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("media: %w", err)
	}
	st, err := file.Stat()
	if err != nil {
		_ = file.Close()
		return nil, 0, fmt.Errorf("media: %w", err)
	}
	return file, st.Size(), nil
}

// Delete removes the file under h.
func (f *FS) Delete(_ context.Context, h string) error {
	p, err := f.path(h)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
