package secret

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRoundTripAndWrongKey(t *testing.T) {
	t.Parallel()
	b, err := New("k1")
	require.NoError(t, err)
	enc, err := b.Encrypt("EAAG-token")
	require.NoError(t, err)
	require.NotContains(t, enc, "EAAG")
	out, err := b.Decrypt(enc)
	require.NoError(t, err)
	require.Equal(t, "EAAG-token", out)

	enc2, err := b.Encrypt("EAAG-token")
	require.NoError(t, err)
	require.NotEqual(t, enc, enc2, "nonces must differ")

	other, err := New("k2")
	require.NoError(t, err)
	_, err = other.Decrypt(enc)
	require.ErrorIs(t, err, ErrWrongKey)

	_, err = b.Decrypt("plain")
	require.Error(t, err)
	empty, err := b.Encrypt("")
	require.NoError(t, err)
	require.Equal(t, "", empty)
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k1, created, err := LoadOrCreateKey("", dir)
	require.NoError(t, err)
	require.True(t, created)
	fi, err := os.Stat(filepath.Join(dir, keyFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	k2, created, err := LoadOrCreateKey("", dir)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, k1, k2)

	k3, _, err := LoadOrCreateKey("explicit", dir)
	require.NoError(t, err)
	require.Equal(t, "explicit", k3)
}
