package sandbox

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// A streamed list is the same JSON array json.Marshal would give, empty
// and long alike.
func TestWriteJSONList(t *testing.T) {
	for _, n := range []int{0, 1, 3, 5000} {
		items := make([]SentMessage, n)
		for i := range items {
			items[i] = SentMessage{WAMID: "wamid." + string(rune('a'+i%26)), Type: "text", Text: "olá\n\"quoted\"", Payload: json.RawMessage(`{"k":1}`)}
		}
		rec := httptest.NewRecorder()
		writeJSONList(rec, items)
		require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
		var got []SentMessage
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got), "n=%d", n)
		require.Len(t, got, n)
		if n > 0 {
			want, err := json.Marshal(items)
			require.NoError(t, err)
			back, err := json.Marshal(got)
			require.NoError(t, err)
			require.JSONEq(t, string(want), string(back))
		}
	}
}

// Only the latest sends keep their request body; the record keeps the
// rest of every send.
func TestSentKeepsTheLatestPayloads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.PayloadsKept = 2 })
	for range 3 {
		resp, out := e.send(t, loja, apptMsg(ana))
		require.Equal(t, 200, resp.StatusCode, out)
	}
	sent := e.sb.Sent()
	require.Len(t, sent, 3)
	require.Nil(t, sent[0].Payload)
	require.Equal(t, "appointment_confirmation", sent[0].TemplateName, "the rest is kept")
	require.NotEmpty(t, sent[1].Payload)
	require.NotEmpty(t, sent[2].Payload)
}
