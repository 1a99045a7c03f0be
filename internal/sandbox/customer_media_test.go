package sandbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCustomerSendsVoiceNoteDocumentAndLocation shows the webhooks of a
// voice note (audio with "voice": true, Ogg Opus bytes behind its media
// id), a document (its filename, a real PDF) and a location pin, sent
// through the control API as a tester would.
func TestCustomerSendsVoiceNoteDocumentAndLocation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	post := func(body map[string]any) (*http.Response, map[string]any) {
		body["from"], body["name"], body["to"] = ana, "Ana", loja
		return e.do(t, http.MethodPost, "/sandbox/api/customers/messages", "", body)
	}
	resp, out := post(map[string]any{"type": "voice"})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = post(map[string]any{"type": "document", "filename": "orcamento.pdf", "text": "segue"})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = post(map[string]any{"type": "location", "latitude": -23.5614, "longitude": -46.6559, "location_name": "Loja Paulista", "address": "Av. Paulista, 1000"})
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	resp, out = post(map[string]any{"type": "location", "latitude": 10})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "a pin needs both coordinates")
	require.Contains(t, out["error"], "latitude and longitude")
	resp, _ = post(map[string]any{"type": "hologram"})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	e.waitIdle(t)

	msgs := richMessages(t, e.in)
	require.Len(t, msgs, 3)
	require.JSONEq(t, `"audio"`, string(msgs[0]["type"]))
	var voice whMedia
	require.NoError(t, json.Unmarshal(msgs[0]["audio"], &voice))
	require.True(t, voice.Voice)
	require.Equal(t, "audio/ogg; codecs=opus", voice.MimeType)
	data := e.download(t, voice.ID)
	require.Equal(t, b64SHA256(data), voice.SHA256, "the webhook's sha256 is the file's")
	requireOggOpus(t, data)

	require.JSONEq(t, `"document"`, string(msgs[1]["type"]))
	var doc whMedia
	require.NoError(t, json.Unmarshal(msgs[1]["document"], &doc))
	require.Equal(t, "orcamento.pdf", doc.Filename)
	require.Equal(t, "segue", doc.Caption)
	require.Equal(t, "application/pdf", doc.MimeType)
	pdf := e.download(t, doc.ID)
	require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")))
	require.True(t, bytes.HasSuffix(pdf, []byte("%%EOF\n")))

	require.JSONEq(t, `"location"`, string(msgs[2]["type"]))
	require.JSONEq(t, `{"latitude":-23.5614,"longitude":-46.6559,"name":"Loja Paulista","address":"Av. Paulista, 1000"}`, string(msgs[2]["location"]))
	require.Equal(t, "📍 Loja Paulista", e.sb.Received()[2].Text)
}

// download fetches a media id's bytes as zapflow would: GET /{media-id},
// then its URL with the token.
func (e *env) download(t *testing.T, id string) []byte {
	t.Helper()
	resp, obj := e.do(t, http.MethodGet, "/sandbox/graph/v23.0/"+id, testAccessToken, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	f, ok := e.sb.mediaByID(id)
	require.True(t, ok)
	require.EqualValues(t, len(f.data), obj["file_size"])
	return f.data
}

// requireOggOpus checks the Ogg framing (RFC 3533: capture pattern, page
// sequence, checksums with the field zeroed) and the Opus headers.
func requireOggOpus(t *testing.T, b []byte) {
	t.Helper()
	var seq uint32
	pages := [][]byte{}
	for len(b) > 0 {
		require.True(t, bytes.HasPrefix(b, []byte("OggS")), "page %d", seq)
		n := int(b[26])
		size := 27 + n
		for _, l := range b[27 : 27+n] {
			size += int(l)
		}
		page := append([]byte(nil), b[:size]...)
		require.Equal(t, seq, binary.LittleEndian.Uint32(page[18:]))
		want := binary.LittleEndian.Uint32(page[22:])
		copy(page[22:26], []byte{0, 0, 0, 0})
		require.Equal(t, want, oggCRC(page), "checksum of page %d", seq)
		pages = append(pages, page[27+n:])
		b = b[size:]
		seq++
	}
	require.Len(t, pages, 3)
	require.True(t, bytes.HasPrefix(pages[0], []byte("OpusHead\x01\x01")), "mono Opus")
	require.True(t, bytes.HasPrefix(pages[1], []byte("OpusTags")))
	require.Len(t, pages[2], 50*3, "one second of 20 ms frames")
}
