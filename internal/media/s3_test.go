package media_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/media"
)

// TestS3PutGetDelete runs the S3 store against gofakes3, an in-process
// S3-compatible server, the way a local MinIO is configured (http, path
// style, a prefix in the bucket).
func TestS3PutGetDelete(t *testing.T) {
	ctx := context.Background()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("zapflow"))
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	_, err := media.NewS3(ctx, "http://key:secret@"+host+"/missing?path_style=true", http.DefaultTransport)
	require.ErrorContains(t, err, "does not exist", "a wrong bucket fails at start")
	_, err = media.NewS3(ctx, "ftp://"+host+"/zapflow", http.DefaultTransport)
	require.Error(t, err)

	s3, err := media.NewS3(ctx, "http://key:secret@"+host+"/zapflow/media?path_style=true&region=us-east-1", http.DefaultTransport)
	require.NoError(t, err)
	data := []byte("a customer's receipt")
	h := media.Hash(data)
	require.Error(t, s3.Put(ctx, h, []byte("other")), "a hash that is not the data's is refused")
	require.NoError(t, s3.Put(ctx, h, data))
	require.NoError(t, s3.Put(ctx, h, data), "the same bytes again")

	obj, err := backend.HeadObject("zapflow", "media/"+h[:2]+"/"+h)
	require.NoError(t, err, "stored under the prefix by hash")
	require.EqualValues(t, len(data), obj.Size)

	rc, size, err := s3.Get(ctx, h)
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, data, got)
	require.EqualValues(t, len(data), size)

	require.NoError(t, s3.Delete(ctx, h))
	_, _, err = s3.Get(ctx, h)
	require.ErrorIs(t, err, media.ErrNotFound)
}
