package whatsapp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDownloadMediaSendsTheTokenOnlyToMeta shows the token goes to the
// Graph host and Meta's media hosts, never to another URL a response
// could name, and a file over the limit is refused.
func TestDownloadMediaSendsTheTokenOnlyToMeta(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write([]byte("0123456789"))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "v23.0", srv.Client())

	data, ctype, err := c.DownloadMedia(context.Background(), "tok", srv.URL+"/media?mid=1", 100)
	require.NoError(t, err)
	require.Equal(t, "0123456789", string(data))
	require.Equal(t, "image/jpeg", ctype)
	require.Equal(t, "Bearer tok", auth)

	_, _, err = c.DownloadMedia(context.Background(), "tok", srv.URL+"/media?mid=1", 5)
	require.ErrorIs(t, err, ErrMediaTooLarge)

	auth = ""
	_, _, err = c.DownloadMedia(context.Background(), "tok", "https://evil.example/x", 100)
	require.Error(t, err)
	require.Empty(t, auth)
	require.True(t, c.mediaURLTrusted("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"))
	require.False(t, c.mediaURLTrusted("http://lookaside.fbsbx.com/x"), "never over plain http")
	require.False(t, c.mediaURLTrusted("https://fbsbx.com.evil.example/x"))
}
