package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// webhook mirrors the Meta notification shape (reference §4.4) with every
// field the generator must emit; DisallowUnknownFields catches typos.
type webhook struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				MessagingProduct string `json:"messaging_product"`
				Metadata         struct {
					DisplayPhoneNumber string `json:"display_phone_number"`
					PhoneNumberID      string `json:"phone_number_id"`
				} `json:"metadata"`
				Contacts []struct {
					Profile struct {
						Name string `json:"name"`
					} `json:"profile"`
					WaID string `json:"wa_id"`
				} `json:"contacts"`
				Messages []struct {
					From      string `json:"from"`
					ID        string `json:"id"`
					Timestamp string `json:"timestamp"`
					Type      string `json:"type"`
					Text      struct {
						Body string `json:"body"`
					} `json:"text"`
				} `json:"messages"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

func decodeWebhook(t testing.TB, body []byte) webhook {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	var w webhook
	require.NoError(t, dec.Decode(&w), "body: %s", body)
	return w
}

func validSignature(secret, body []byte, header string) bool {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal([]byte("sha256="+hex.EncodeToString(mac.Sum(nil))), []byte(header))
}

func TestPayloadShapeAndSignature(t *testing.T) {
	cfg := &payloadConfig{
		Secret:    []byte("sandbox-app-secret"),
		WABA:      "100000000000001",
		PhoneIDs:  []string{"100000000000011", "100000000000012"},
		Customers: 2, // fewer customers than messages: contacts must be deduplicated
		Batch:     3,
		RunID:     "test",
	}
	var seq atomic.Uint64
	g := newGenerator(cfg, &seq)
	g.ts = func() time.Time { return time.Unix(1749416383, 0) }

	seen := map[string]bool{}
	for req := range 4 {
		body, sig := g.next()
		require.True(t, validSignature(cfg.Secret, body, sig), "signature %s", sig)
		require.False(t, validSignature([]byte("wrong"), body, sig))
		require.Regexp(t, `^sha256=[0-9a-f]{64}$`, sig)
		for _, c := range body {
			require.Less(t, c, byte(0x80), "body must be ASCII-only like Meta's")
		}
		require.Contains(t, string(body), `Ol\u00e1`, "non-ASCII escaped as lowercase \\uXXXX")

		w := decodeWebhook(t, body)
		require.Equal(t, "whatsapp_business_account", w.Object)
		require.Len(t, w.Entry, 1)
		require.Equal(t, cfg.WABA, w.Entry[0].ID)
		require.Len(t, w.Entry[0].Changes, 1)
		ch := w.Entry[0].Changes[0]
		require.Equal(t, "messages", ch.Field)
		v := ch.Value
		require.Equal(t, "whatsapp", v.MessagingProduct)
		require.Equal(t, cfg.PhoneIDs[req%2], v.Metadata.PhoneNumberID, "phone ids round-robin per request")
		require.Regexp(t, `^[0-9]+$`, v.Metadata.DisplayPhoneNumber)

		require.Len(t, v.Contacts, 2)
		contacts := map[string]bool{}
		for _, c := range v.Contacts {
			require.NotEmpty(t, c.Profile.Name)
			contacts[c.WaID] = true
		}
		require.Len(t, contacts, 2)

		require.Len(t, v.Messages, 3)
		for _, m := range v.Messages {
			require.True(t, contacts[m.From], "sender %s listed in contacts", m.From)
			require.Contains(t, []string{"5511900000000", "5511900000001"}, m.From)
			require.Equal(t, "1749416383", m.Timestamp)
			require.Equal(t, "text", m.Type)
			require.True(t, strings.HasPrefix(m.Text.Body, "Olá, quero saber do pedido #"), m.Text.Body)
			require.True(t, strings.HasPrefix(m.ID, "wamid."), m.ID)
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(m.ID, "wamid."))
			require.NoError(t, err)
			require.Contains(t, string(raw), "test")
			require.False(t, seen[m.ID], "duplicate wamid %s", m.ID)
			seen[m.ID] = true
		}
	}
	require.Len(t, seen, 12)
}

func TestWamidsUniqueAcrossGenerators(t *testing.T) {
	cfg := &payloadConfig{Secret: []byte("s"), WABA: "1", PhoneIDs: []string{"2"}, Customers: 10, Batch: 5, RunID: "r"}
	var seq atomic.Uint64
	a, b := newGenerator(cfg, &seq), newGenerator(cfg, &seq)
	seen := map[string]bool{}
	for range 10 {
		for _, g := range []*generator{a, b} {
			body, _ := g.next()
			for _, m := range decodeWebhook(t, body).Entry[0].Changes[0].Value.Messages {
				require.False(t, seen[m.ID])
				seen[m.ID] = true
			}
		}
	}
	require.Len(t, seen, 100)
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uo\te`, "line\nbreak\ttab\x01", "äöå", "emoji 😀", "a/b<c>&"} {
		b := appendJSONString(nil, s)
		var got string
		require.NoError(t, json.Unmarshal(b, &got), "%s", b)
		require.Equal(t, s, got)
		for _, c := range b {
			require.Less(t, c, byte(0x80))
		}
	}
	require.Equal(t, `"\u00e4\u00f6\u00e5"`, string(appendJSONString(nil, "äöå")), "Meta's documented example")
	require.Equal(t, `"\ud83d\ude00"`, string(appendJSONString(nil, "😀")))
}
