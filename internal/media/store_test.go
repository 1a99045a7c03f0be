package media_test

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/media"
)

func TestFSPutGetDelete(t *testing.T) {
	ctx := context.Background()
	fs, err := media.NewFS(t.TempDir())
	require.NoError(t, err)
	data := []byte("a voice note")
	h := media.Hash(data)

	require.Error(t, fs.Put(ctx, h, []byte("other bytes")), "a hash that is not the data's is refused")
	require.Error(t, fs.Put(ctx, "../../etc/passwd", data), "a key that is not a hash is refused")
	require.NoError(t, fs.Put(ctx, h, data))
	require.NoError(t, fs.Put(ctx, h, data), "putting the same bytes again is a no-op")

	rc, size, err := fs.Get(ctx, h)
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, data, got)
	require.Equal(t, int64(len(data)), size)

	require.NoError(t, fs.Delete(ctx, h))
	require.NoError(t, fs.Delete(ctx, h), "deleting a missing file is not an error")
	_, _, err = fs.Get(ctx, h)
	require.ErrorIs(t, err, media.ErrNotFound)
}
