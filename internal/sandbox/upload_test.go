package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// upload POSTs a file the way Meta documents POST /{phone-number-id}/media.
func (e *env) upload(t *testing.T, phoneID, mimeType string, data []byte) (*http.Response, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	require.NoError(t, w.WriteField("messaging_product", "whatsapp"))
	require.NoError(t, w.WriteField("type", mimeType))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="f.bin"`)
	h.Set("Content-Type", mimeType)
	p, err := w.CreatePart(h)
	require.NoError(t, err)
	_, _ = p.Write(data)
	require.NoError(t, w.Close())
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/sandbox/graph/v23.0/"+phoneID+"/media", &buf)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testAccessToken)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return resp, out
}

func TestUploadMediaLikeMeta(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 100)...)
	resp, out := e.upload(t, loja, "image/png", png)
	require.Equal(t, 200, resp.StatusCode, out)
	id, _ := out["id"].(string)
	require.NotEmpty(t, id)
	// The id resolves like any media id.
	resp, info := e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+id, testAccessToken, nil)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "image/png", info["mime_type"])
	require.EqualValues(t, len(png), info["file_size"])

	resp, out = e.upload(t, loja, "image/gif", []byte("GIF89a"))
	require.Equal(t, 400, resp.StatusCode)
	ge := graphErr(t, resp, out)
	require.Equal(t, 100, ge.code)
	require.Contains(t, ge.message, "image/gif")

	resp, out = e.upload(t, loja, "image/jpeg", make([]byte, 5<<20+1))
	require.Equal(t, 400, resp.StatusCode)
	require.Equal(t, 131053, graphErr(t, resp, out).code)

	resp, out = e.upload(t, "999", "image/png", png)
	require.Equal(t, 400, resp.StatusCode)
	require.Equal(t, 100, graphErr(t, resp, out).code)
}

func TestInteractiveLimitsLikeMeta(t *testing.T) {
	t.Parallel()
	button := func(id, title string) map[string]any {
		return map[string]any{"type": "reply", "reply": map[string]any{"id": id, "title": title}}
	}
	rows := func(n int) []any {
		var out []any
		for i := range n {
			out = append(out, map[string]any{"id": "r" + strings.Repeat("x", i), "title": "Linha"})
		}
		return out
	}
	list := func(button string, sections ...map[string]any) map[string]any {
		return map[string]any{"type": "list", "body": map[string]any{"text": "Escolha"},
			"action": map[string]any{"button": button, "sections": sections}}
	}
	cases := map[string]struct {
		interactive map[string]any
		code        int
		detail      string
	}{
		"four buttons": {map[string]any{"type": "button", "body": map[string]any{"text": "Escolha"},
			"action": map[string]any{"buttons": []any{button("a", "A"), button("b", "B"), button("c", "C"), button("d", "D")}}}, 131009, "Max allowed buttons: 3"},
		"long button title": {map[string]any{"type": "button", "body": map[string]any{"text": "Escolha"},
			"action": map[string]any{"buttons": []any{button("a", strings.Repeat("t", 21))}}}, 131009, "Button title length invalid"},
		"duplicate ids": {map[string]any{"type": "button", "body": map[string]any{"text": "Escolha"},
			"action": map[string]any{"buttons": []any{button("a", "A"), button("a", "B")}}}, 131009, "Duplicate button id"},
		"no body": {map[string]any{"type": "button",
			"action": map[string]any{"buttons": []any{button("a", "A")}}}, 131008, "body"},
		"long list button": {list(strings.Repeat("b", 21), map[string]any{"rows": rows(1)}), 131009, "Button text length invalid"},
		"repeated row ids": {list("Ver", map[string]any{"title": "S1", "rows": rows(6)}, map[string]any{"title": "S2", "rows": rows(5)}), 131009, "Duplicate row id"},
		"too many rows":    {list("Ver", map[string]any{"rows": rows(11)}), 131009, "Max allowed rows: 10"},
		"long description": {list("Ver", map[string]any{"rows": []any{map[string]any{"id": "x", "title": "T", "description": strings.Repeat("d", 73)}}}), 131009, "Row description length invalid"},
		"untitled section": {list("Ver", map[string]any{"rows": rows(1)}, map[string]any{"title": "S2", "rows": []any{map[string]any{"id": "z", "title": "Z"}}}), 131009, "Section title length invalid"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			_, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
			require.NoError(t, err)
			resp, out := e.send(t, loja, map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "interactive", "interactive": c.interactive})
			require.Equal(t, 400, resp.StatusCode, out)
			ge := graphErr(t, resp, out)
			require.Equal(t, c.code, ge.code, out)
			require.Contains(t, ge.details, c.detail)
			require.Empty(t, e.sb.Sent())
		})
	}
	// Within every limit: accepted and recorded as sent.
	e := newEnv(t, nil)
	_, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
	require.NoError(t, err)
	resp, out := e.send(t, loja, map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "interactive",
		"interactive": list(strings.Repeat("b", 20), map[string]any{"title": strings.Repeat("s", 24), "rows": rows(10)})})
	require.Equal(t, 200, resp.StatusCode, out)
	require.Len(t, e.sb.Sent(), 1)
}
