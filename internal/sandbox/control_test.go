package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestControlAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	post := func(path string, body any) (*http.Response, map[string]any) {
		return e.do(t, http.MethodPost, "/sandbox/api/"+path, "", body)
	}

	resp, out := post("customers/messages", map[string]any{"from": ana, "name": "Ana", "to": loja, "text": "oi"})
	require.Equal(t, 200, resp.StatusCode, out)
	wamid := out["wamid"].(string)
	require.True(t, strings.HasPrefix(wamid, "wamid."))
	require.Equal(t, wamid, e.sb.Received()[0].WAMID)
	// The control message opened the window.
	resp, _ = e.send(t, loja, textMsg(ana, "olá Ana"))
	require.Equal(t, 200, resp.StatusCode)

	bad := []struct {
		name, path string
		body       any
		status     int
	}{
		{"invalid json", "customers/messages", "{", 400},
		{"unknown sender", "customers/messages", map[string]any{"from": ana, "to": "1", "text": "oi"}, 404},
		{"empty text", "customers/messages", map[string]any{"from": ana, "to": loja, "text": " "}, 400},
		{"bad phone", "customers/messages", map[string]any{"from": "abc", "to": loja, "text": "oi"}, 400},
		{"bad status", "senders/" + loja + "/status", map[string]any{"status": "SLEEPY"}, 400},
		{"unknown sender status", "senders/1/status", map[string]any{"status": "CONNECTED"}, 404},
		{"bad quality", "senders/" + loja + "/quality", map[string]any{"quality_rating": "PURPLE"}, 400},
		{"fail without code", "senders/" + loja + "/fail", map[string]any{"count": 1}, 400},
		{"unknown template", "templates/status", map[string]any{"name": "nope", "language": "pt_BR", "status": "PAUSED"}, 404},
		{"bad not-on-whatsapp", "not-on-whatsapp", map[string]any{"phone": "x"}, 400},
	}
	for _, b := range bad {
		resp, out := post(b.path, b.body)
		require.Equal(t, b.status, resp.StatusCode, b.name)
		require.NotEmpty(t, out["error"], b.name)
	}

	resp, out = post("senders/"+loja+"/fail", map[string]any{"count": 1, "code": 131016})
	require.Equal(t, 200, resp.StatusCode, out)
	resp, out = e.send(t, loja, apptMsg(ana))
	require.Equal(t, 500, resp.StatusCode)
	require.Equal(t, 131016, graphErr(t, resp, out).code)

	resp, _ = post("not-on-whatsapp", map[string]any{"phone": "+5511922223333"})
	require.Equal(t, 200, resp.StatusCode)
	resp, out = e.send(t, loja, apptMsg("+5511922223333"))
	require.Equal(t, 131026, graphErr(t, resp, out).code)

	resp, _ = post("templates/status", map[string]any{"name": "hello_world", "language": "en_US", "status": "PAUSED"})
	require.Equal(t, 200, resp.StatusCode)
	resp, out = e.send(t, loja, tplMsg(ana, "hello_world", "en_US"))
	require.Equal(t, 132015, graphErr(t, resp, out).code)

	resp, _ = post("senders/"+loja+"/throughput", map[string]any{"mps": 1})
	require.Equal(t, 200, resp.StatusCode)
	resp, _ = post("senders/"+loja+"/quality", map[string]any{"quality_rating": "YELLOW"})
	require.Equal(t, 200, resp.StatusCode)
	resp, _ = post("senders/"+loja+"/status", map[string]any{"status": "DISCONNECTED"})
	require.Equal(t, 200, resp.StatusCode)
	senders := e.sb.Senders()
	require.Equal(t, "DISCONNECTED", senders[0].Status)
	require.Equal(t, "YELLOW", senders[0].QualityRating)
	require.Equal(t, 1, senders[0].ThroughputMPS)

	// GET /sandbox/api/sent lists exactly what was accepted.
	r, err := http.Get(e.srv.URL + "/sandbox/api/sent")
	require.NoError(t, err)
	defer r.Body.Close()
	raw, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	var sent []SentMessage
	require.NoError(t, json.Unmarshal(raw, &sent))
	require.Len(t, sent, 1)
	require.Equal(t, "text", sent[0].Type)
	require.Equal(t, "olá Ana", sent[0].Text)

	resp, out = e.do(t, http.MethodGet, "/sandbox/api/nothing-here", "", nil)
	require.Equal(t, 404, resp.StatusCode)
	require.NotEmpty(t, out["error"])
}
