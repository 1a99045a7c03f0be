package whatsapp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// The upload is Meta's documented multipart request: messaging_product,
// type and file, to /{phone-number-id}/media, answered {"id": …}.
func TestUploadMedia(t *testing.T) {
	t.Parallel()
	var path, auth, product, typ, fileType, fileName string
	var data []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, auth = r.URL.Path, r.Header.Get("Authorization")
		require.NoError(t, r.ParseMultipartForm(1<<20))
		product, typ = r.FormValue("messaging_product"), r.FormValue("type")
		f, hdr, err := r.FormFile("file")
		require.NoError(t, err)
		fileType, fileName = hdr.Header.Get("Content-Type"), hdr.Filename
		data, _ = io.ReadAll(f)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"1013859600285441"}`))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "v23.0", srv.Client())
	id, err := c.UploadMedia(context.Background(), "tok", "1065", "application/pdf", `quote "1".pdf`, []byte("%PDF-1.4"))
	require.NoError(t, err)
	require.Equal(t, "1013859600285441", id)
	require.Equal(t, "/v23.0/1065/media", path)
	require.Equal(t, "Bearer tok", auth)
	require.Equal(t, "whatsapp", product)
	require.Equal(t, "application/pdf", typ)
	require.Equal(t, "application/pdf", fileType)
	require.Equal(t, `quote "1".pdf`, fileName)
	require.Equal(t, "%PDF-1.4", string(data))
}

func TestUploadMediaErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"message":"(#131053) Media upload error","type":"OAuthException","code":131053}}`))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "v23.0", srv.Client())
	_, err := c.UploadMedia(context.Background(), "tok", "1065", "image/png", "a.png", []byte{1})
	var ae *APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Equal(t, 131053, ae.Code)
	_, err = c.UploadMedia(context.Background(), "tok", "1065", "image/png", "a.png", nil)
	require.Error(t, err, "an empty file is not sent")
}

func TestMarkRead(t *testing.T) {
	t.Parallel()
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":true}`))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "v23.0", srv.Client())
	require.NoError(t, c.MarkRead(context.Background(), "tok", "1065", "wamid.IN1"))
	require.JSONEq(t, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN1"}`, body)
	require.Error(t, c.MarkRead(context.Background(), "tok", "1065", ""))
}
