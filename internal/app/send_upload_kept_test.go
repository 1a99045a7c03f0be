package app_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/messaging"
)

// TestUploadedMediaIsKeptWithItsMessage sends a document from an upload
// over the API: the message comes back with its file already stored (by
// SHA-256, with its name), GET /api/v1/messages/{id}/media serves the
// very bytes, and a second message with the same bytes shares the file.
// A media message sent by link keeps no file.
func TestUploadedMediaIsKeptWithItsMessage(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		const to = "+5511944443333"
		openWindow(t, env, to)
		pdf := []byte("%PDF-1.4 orçamento 42")
		fields := map[string]string{"sender": "1", "to": to, "type": "document", "caption": "Orçamento"}
		r := uploadSend(t, env, fields, "application/pdf", "orcamento.pdf", pdf)
		require.Equal(t, http.StatusAccepted, r.status, r.raw)
		id := strconv.FormatInt(r.msg.ID, 10)

		var m messaging.Message
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/messages/"+id, nil, &m))
		require.NotNil(t, m.Media, "the message carries its kept file")
		sum := sha256.Sum256(pdf)
		require.Equal(t, messaging.MediaStored, m.Media.Status)
		require.Equal(t, hex.EncodeToString(sum[:]), m.Media.SHA256)
		require.Equal(t, "application/pdf", m.Media.MimeType)
		require.Equal(t, "orcamento.pdf", m.Media.Filename)
		require.EqualValues(t, len(pdf), m.Media.Size)

		req, err := http.NewRequest(http.MethodGet, env.URL+"/api/v1/messages/"+id+"/media", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+env.APIKey)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		raw, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
		require.Equal(t, pdf, raw)
		require.Contains(t, resp.Header.Get("Content-Disposition"), "orcamento.pdf")

		r = uploadSend(t, env, fields, "application/pdf", "copia.pdf", pdf)
		require.Equal(t, http.StatusAccepted, r.status, r.raw)
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM message_media`))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM media_blobs`), "the same bytes are kept once")

		var linked messaging.Message
		status := env.Do(http.MethodPost, "/api/v1/messages", rich("image", to, map[string]any{"image": map[string]any{"link": "https://example.com/a.png"}}), &linked)
		require.Equal(t, http.StatusAccepted, status)
		require.Nil(t, linked.Media)
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM message_media`), "a link keeps no file")
	})
}
