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
// interactive button_reply and a template quick reply as a button message
// (its payload the one the send gave it, else its text), each with a
// context naming the message tapped and opening the window like a text;
// a button the business never offered is refused.
func TestCustomerTapsButtons(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, err := e.sb.CustomerTaps(loja, ana, "Ana", Tap{ID: "yes", Title: "Sim"})
	require.ErrorIs(t, err, ErrUnknownChoice, "nothing was sent to Ana yet")
	_, err = e.sb.CustomerWrites(loja, ana, "Ana", "oi")
	require.NoError(t, err)
	resp, out := e.send(t, loja, map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "interactive",
		"interactive": map[string]any{"type": "button", "body": map[string]any{"text": "Confirma?"}, "action": map[string]any{"buttons": []any{
			map[string]any{"type": "reply", "reply": map[string]any{"id": "yes", "title": "Sim"}},
			map[string]any{"type": "reply", "reply": map[string]any{"id": "no", "title": "Não"}}}}}})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	question := e.sb.Sent()[0].WAMID
	tpl := tplMsg(ana, "call_followup", "pt_BR", "Ana", "Carlos")
	tpl["template"].(map[string]any)["components"] = append(tpl["template"].(map[string]any)["components"].([]map[string]any),
		map[string]any{"type": "button", "sub_type": "quick_reply", "index": "1", "parameters": []any{map[string]any{"type": "payload", "payload": "DOUBT"}}})
	resp, out = e.send(t, loja, tpl)
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	followup := e.sb.Sent()[1].WAMID

	_, err = e.sb.CustomerTaps(loja, ana, "Ana", Tap{ID: "yes"})
	require.NoError(t, err)
	_, err = e.sb.CustomerTaps(loja, ana, "Ana", Tap{Template: true, Title: "Tudo certo"})
	require.NoError(t, err)
	_, err = e.sb.CustomerTaps(loja, ana, "Ana", Tap{Template: true, ID: "DOUBT", MessageID: followup})
	require.NoError(t, err)
	_, err = e.sb.CustomerTaps(loja, ana, "Ana", Tap{})
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = e.sb.CustomerTaps(loja, ana, "Ana", Tap{ID: "maybe", Title: "Talvez"})
	require.ErrorIs(t, err, ErrUnknownChoice)
	require.ErrorContains(t, err, `reply button "maybe"`)
	_, err = e.sb.CustomerTaps(loja, ana, "Ana", Tap{ID: "yes", MessageID: followup})
	require.ErrorIs(t, err, ErrUnknownChoice, "the template has no reply button yes")
	_, err = e.sb.CustomerTaps(loja, ana, "Ana", Tap{Template: true, ID: "Tenho uma dúvida"})
	require.ErrorIs(t, err, ErrUnknownChoice, "the send gave that quick reply the payload DOUBT")
	_, err = e.sb.CustomerTaps(suporte, ana, "Ana", Tap{ID: "yes"})
	require.ErrorIs(t, err, ErrUnknownChoice, "the other number asked nothing")
	e.waitIdle(t)

	msgs := richMessages(t, e.in)
	require.Len(t, msgs, 4)
	ctx := func(wamid string) string { return `{"from":"551140000001","id":"` + wamid + `"}` }
	require.JSONEq(t, `"interactive"`, string(msgs[1]["type"]))
	require.JSONEq(t, `{"type":"button_reply","button_reply":{"id":"yes","title":"Sim"}}`, string(msgs[1]["interactive"]))
	require.JSONEq(t, ctx(question), string(msgs[1]["context"]))
	require.JSONEq(t, `"button"`, string(msgs[2]["type"]))
	require.JSONEq(t, `{"payload":"Tudo certo","text":"Tudo certo"}`, string(msgs[2]["button"]))
	require.JSONEq(t, ctx(followup), string(msgs[2]["context"]))
	require.JSONEq(t, `{"payload":"DOUBT","text":"Tenho uma dúvida"}`, string(msgs[3]["button"]))
	require.NotContains(t, msgs[0], "context", "a text answers nothing")

	resp, _ = e.send(t, loja, textMsg(ana, "free text is allowed: the window is open"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
}
