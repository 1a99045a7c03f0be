package sandbox

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMediaLikeMeta shows an uploaded file answers GET /{media-id} with
// Meta's fields and a URL that serves the bytes only with the access
// token; an unknown id is Graph's unsupported-object error.
func TestMediaLikeMeta(t *testing.T) {
	e := newEnv(t, nil)
	id, err := e.sb.UploadMedia("audio/ogg", []byte("OggS voice"))
	require.NoError(t, err)

	resp, out := e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+id, "", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the token is required")
	resp, out = e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+id, testAccessToken, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	require.Equal(t, id, out["id"])
	require.Equal(t, "audio/ogg", out["mime_type"])
	require.Equal(t, "whatsapp", out["messaging_product"])
	require.NotEmpty(t, out["sha256"])
	link, _ := out["url"].(string)
	require.True(t, strings.HasPrefix(link, e.srv.URL+"/sandbox/graph/"), link)

	get := func(token string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, link, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		r, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer r.Body.Close()
		raw, _ := io.ReadAll(r.Body)
		require.True(t, r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") == "audio/ogg")
		return r.StatusCode, string(raw)
	}
	status, _ := get("")
	require.Equal(t, http.StatusUnauthorized, status)
	status, body := get(testAccessToken)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "OggS voice", body)

	resp, _ = e.do(t, http.MethodGet, "/sandbox/graph/v23.0/900000000099999", testAccessToken, nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	_, err = e.sb.UploadMedia("", nil)
	require.ErrorIs(t, err, ErrInvalidInput)
}
