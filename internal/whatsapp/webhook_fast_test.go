package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseWebhookFastCoversMessages checks that the fixtures intake sees
// all day take the single-pass path and give what the layered parser
// gives, and that the rare changes are left to the layered parser.
func TestParseWebhookFastCoversMessages(t *testing.T) {
	t.Parallel()
	layeredOnly := map[string]bool{
		"template_status.json": true, "account_update.json": true, "quality_update.json": true, "user_preferences.json": true,
		"user_preferences_username.json": true, "template_category.json": true, "template_category_impending.json": true,
		"batch.json": true, // carries quality and account updates
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(name)
			require.NoError(t, err)
			want, err := parseWebhookLayered(body)
			require.NoError(t, err)
			got, ok := parseWebhookFast(body)
			if layeredOnly[filepath.Base(name)] {
				require.False(t, ok, "the fast path must leave this change to the layered parser")
				return
			}
			require.True(t, ok, "the fast path gave up on a valid messages payload")
			require.Equal(t, want, got)
		})
	}
	got, ok := parseWebhookFast(batchBody(50))
	require.True(t, ok)
	require.Len(t, got, 50)
	require.Equal(t, "Cliente 49", got[49].Message.ProfileName)
	require.Equal(t, 49, got[49].Index)
}

// TestParseWebhookFastGivesUp checks shapes where one typed decode would
// accept or read differently what the layered parser rejects or skips;
// ParseWebhook must still answer exactly as the layered parser does.
func TestParseWebhookFastGivesUp(t *testing.T) {
	t.Parallel()
	const meta = `"metadata":{"phone_number_id":"9"}`
	msg := `{"id":"w1","from":"5","timestamp":"1749416383","type":"text","text":{"body":"hi"}}`
	wrap := func(changes string) string {
		return `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[` + changes + `]}]}`
	}
	tests := []struct {
		name    string
		body    string
		wantErr string // "" when the layered parser accepts the body
	}{
		{"unknown field with a non-object value", wrap(`{"field":"security","value":"anything"},{"field":"messages","value":{` + meta + `,"messages":[` + msg + `]}}`), ""},
		{"unknown field whose value clashes with messages shapes", wrap(`{"field":"business_capability_update","value":{"messages":7}}`), ""},
		{"messages value with a clashing key of another change", wrap(`{"field":"messages","value":{` + meta + `,"contacts":{"x":1}}}`),
			`malformed webhook payload: entry[0].changes[0].value: "contacts": want an array, got object`},
		{"null value", wrap(`{"field":"messages","value":null}`),
			`malformed webhook payload: entry[0].changes[0]: missing "value"`},
		{"null changes", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":null}]}`,
			`malformed webhook payload: entry[0]: missing "changes"`},
		{"null message", wrap(`{"field":"messages","value":{` + meta + `,"messages":[null]}}`),
			`malformed webhook payload: entry[0].changes[0].value.messages[0]: missing "id"`},
		{"empty changes", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want, wantErr := parseWebhookLayered([]byte(tt.body))
			got, err := ParseWebhook([]byte(tt.body))
			require.Equal(t, want, got)
			if tt.wantErr == "" {
				require.NoError(t, wantErr)
				require.NoError(t, err)
				return
			}
			require.EqualError(t, wantErr, tt.wantErr)
			require.EqualError(t, err, tt.wantErr)
		})
	}
}

// FuzzParseWebhookFastMatchesLayered checks that whenever the fast path
// accepts a body, the layered parser accepts it too and returns the same
// events. Bodies that repeat an object key are skipped: that is the one
// documented difference (see webhook_fast.go).
func FuzzParseWebhookFastMatchesLayered(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed corpus in testdata: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(batchBody(3))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"id":1,"time":"1751247548","changes":[{"field":"security","value":[]},` +
		`{"field":"messages","value":{"metadata":{"phone_number_id":2},"errors":[{"code":"-1","error_data":"x"}],` +
		`"statuses":[{"id":"a","status":"failed","timestamp":1750030073,"errors":[{"code":131026,"error_data":{"details":"d"}}]}]}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := parseWebhookFast(body)
		if !ok {
			if got != nil {
				t.Fatalf("fast path gave up but returned events: %v", got)
			}
			return
		}
		if hasDuplicateKey(body) {
			t.Skip("repeated object key: documented difference")
		}
		want, err := parseWebhookLayered(body)
		if err != nil {
			t.Fatalf("fast path accepted a body the layered parser rejects (%v): %s", err, body)
		}
		require.Equal(t, want, got)
	})
}

// hasDuplicateKey reports whether some JSON object in body has two keys
// that encoding/json would match to the same field (equal ignoring case).
func hasDuplicateKey(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		keys   []string
		key    bool // the next string token in this object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if k, ok := tok.(string); ok && top != nil && top.object && top.key {
			for _, seen := range top.keys {
				if strings.EqualFold(seen, k) {
					return true
				}
			}
			top.keys = append(top.keys, k)
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object expects a key next.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

func TestHasDuplicateKey(t *testing.T) {
	t.Parallel()
	require.False(t, hasDuplicateKey([]byte(`{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`)))
	require.True(t, hasDuplicateKey([]byte(`{"a":1,"b":{"x":[{"m":1,"M":2}]}}`)))
	require.True(t, hasDuplicateKey([]byte(`{"entry":[],"b":{},"entry":[]}`)))
	require.False(t, hasDuplicateKey([]byte(`{"a":{"b":{}},"b":[[],{}],"c":"a"}`)))
}

// FuzzNormRawShortcut checks that skipping the re-encoding in normRaw never
// changes its result, and that the digit-string shortcut of stringOrNumber
// agrees with decoding the string.
func FuzzNormRawShortcut(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a": 1}`, `"a<b"`, `"x\u2028"`, "\"\u2028\"", `"\"" `,
		`[1,"a b",{"c":"\\"}]`, `{"k":"a&b"}`, `"1749416383"`, `"12\u0033"`, `"0"`, `""`,
		`1749416383`, `"1749416383000"`, `253402300799999`, `253402300800000`, `"000000000000001"`, `0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		want, err := json.Marshal(json.RawMessage(raw))
		require.NoError(t, err)
		if isAbsent(raw) {
			require.Nil(t, normRaw(raw))
		} else {
			require.Equal(t, string(want), string(normRaw(raw)))
		}
		// The digit shortcut of parseTimestamp gives what the general path
		// gives (raw from the decoder has no surrounding space).
		if n, ok := plainUnix(raw); ok {
			want, err := parseTimestampText(raw)
			require.NoError(t, err)
			require.Equal(t, want, unixTime(n))
		}
		trimmed := bytes.TrimSpace(raw)
		if len(trimmed) > 0 && trimmed[0] == '"' {
			var s string
			require.NoError(t, json.Unmarshal(trimmed, &s))
			got, err := stringOrNumber(trimmed)
			require.NoError(t, err)
			require.Equal(t, s, got)
		}
	})
}

// TestParseWebhookKeepsNoBodyBytes checks that events share no memory with
// the body: intake reuses body buffers once ParseWebhook returns.
func TestParseWebhookKeepsNoBodyBytes(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	bodies := [][]byte{batchBody(3)}
	for _, name := range files {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		bodies = append(bodies, b)
	}
	for _, body := range bodies {
		want, err := ParseWebhook(bytes.Clone(body))
		require.NoError(t, err)
		got, err := ParseWebhook(body)
		require.NoError(t, err)
		for i := range body {
			body[i] = 'X'
		}
		require.Equal(t, want, got)
	}
}
