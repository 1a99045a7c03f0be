package sandbox

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// richMessages decodes every inbound message of every webhook, with the
// image, button and interactive parts the basic test types leave out.
func richMessages(t *testing.T, in *intake) []map[string]json.RawMessage {
	t.Helper()
	var out []map[string]json.RawMessage
	for _, c := range in.requests() {
		for _, e := range decodePayload(t, c.body).Entry {
			for _, ch := range e.Changes {
				var v struct {
					Messages []map[string]json.RawMessage `json:"messages"`
				}
				require.NoError(t, json.Unmarshal(ch.Value, &v))
				out = append(out, v.Messages...)
			}
		}
	}
	return out
}

// TestCustomerSendsAnImageThatCanBeDownloaded shows an inbound image
// webhook carries a media id whose GET answers a download URL that serves
// a real PNG with the sha256 the webhook announced, and only for the
// right token.
func TestCustomerSendsAnImageThatCanBeDownloaded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, err := e.sb.CustomerSendsImage(loja, ana, "Ana", "meu recibo")
	require.NoError(t, err)
	e.waitIdle(t)

	msgs := richMessages(t, e.in)
	require.Len(t, msgs, 1)
	require.JSONEq(t, `"image"`, string(msgs[0]["type"]))
	var img whMedia
	require.NoError(t, json.Unmarshal(msgs[0]["image"], &img))
	require.Equal(t, "image/png", img.MimeType)
	require.Equal(t, "meu recibo", img.Caption)
	require.NotEmpty(t, img.ID)
	require.Equal(t, "📷 meu recibo", e.sb.Received()[0].Text)

	resp, obj := e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+img.ID, testAccessToken, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, img.SHA256, obj["sha256"])
	url, _ := obj["url"].(string)
	require.Contains(t, url, "/sandbox/graph/lookaside/whatsapp_business/attachments/?mid="+img.ID)

	get := func(token string) (*http.Response, []byte) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, body
	}
	resp, body := get("wrong")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, body = get(testAccessToken)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	_, err = png.Decode(bytes.NewReader(body))
	require.NoError(t, err, "a real PNG")
	require.EqualValues(t, len(body), obj["file_size"])
}

// TestCustomerTapsButtons shows a reply-button tap arrives as an
// interactive button_reply and a template quick reply as a button message,
// each opening the window like a text would.
func TestCustomerTapsButtons(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, err := e.sb.CustomerTaps(loja, ana, "Ana", Tap{ID: "yes", Title: "Sim"})
	require.NoError(t, err)
	_, err = e.sb.CustomerTaps(loja, ana, "Ana", Tap{Template: true, Title: "Tudo certo"})
	require.NoError(t, err)
	_, err = e.sb.CustomerTaps(loja, ana, "Ana", Tap{})
	require.ErrorIs(t, err, ErrInvalidInput)
	e.waitIdle(t)

	msgs := richMessages(t, e.in)
	require.Len(t, msgs, 2)
	require.JSONEq(t, `"interactive"`, string(msgs[0]["type"]))
	require.JSONEq(t, `{"type":"button_reply","button_reply":{"id":"yes","title":"Sim"}}`, string(msgs[0]["interactive"]))
	require.JSONEq(t, `"button"`, string(msgs[1]["type"]))
	require.JSONEq(t, `{"payload":"Tudo certo","text":"Tudo certo"}`, string(msgs[1]["button"]))

	resp, _ := e.send(t, loja, textMsg(ana, "free text is allowed: the window is open"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
}
