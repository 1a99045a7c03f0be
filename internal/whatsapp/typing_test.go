package whatsapp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSendTypingIndicator(t *testing.T) {
	t.Parallel()
	var got map[string]any
	var path, auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, auth = r.URL.Path, r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		require.NoError(t, json.Unmarshal(b, &got))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":true}`))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "v23.0", srv.Client())
	require.NoError(t, c.SendTypingIndicator(context.Background(), "tok", "1065", "wamid.IN1"))
	require.Equal(t, "/v23.0/1065/messages", path)
	require.Equal(t, "Bearer tok", auth)
	require.Equal(t, map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1",
		"typing_indicator": map[string]any{"type": "text"}}, got)

	require.Error(t, c.SendTypingIndicator(context.Background(), "tok", "1065", ""), "a typing indicator answers a message")
}

func TestSendTypingIndicatorGraphError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"message":"Invalid parameter","type":"OAuthException","code":100}}`))
	}))
	defer srv.Close()
	err := NewClient(srv.URL, "v23.0", srv.Client()).SendTypingIndicator(context.Background(), "tok", "1065", "wamid.X")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 100, apiErr.Code)
}
