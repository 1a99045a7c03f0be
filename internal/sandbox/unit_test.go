package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, cc, want string
		ok           bool
	}{
		{"+5511988887777", "55", "5511988887777", true},
		{"+55 (11) 98888-7777", "55", "5511988887777", true},
		{"5511988887777", "55", "5511988887777", true},
		{"11988887777", "55", "5511988887777", true},
		{"(11) 4000-0001", "55", "551140000001", true},
		{"55999998888", "55", "5555999998888", true}, // area code 55 national number
		{"+16505551234", "55", "16505551234", true},
		{"6315551234", "91", "916315551234", true},
		{"", "55", "", false},
		{"+55 11 9888x", "55", "", false},
		{"+1234", "55", "", false},
		{"+1234567890123456", "55", "", false},
	}
	for _, tc := range cases {
		got, ok := normalizePhone(tc.in, tc.cc)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestASCIIJSON(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"äöå", `"\u00e4\u00f6\u00e5"`},
		{"😀", `"\ud83d\ude00"`},
		{"a/b <c> & d", `"a/b <c> & d"`},
		{"line\nbreak\t\"q\"", `"line\nbreak\t\"q\""`},
		{"\u2028", `"\u2028"`},
		{"€", `"\u20ac"`},
		{"\xff", `"\ufffd"`}, // invalid UTF-8 becomes U+FFFD, still ASCII
	}
	for _, tc := range cases {
		got, err := asciiJSON(tc.in)
		require.NoError(t, err)
		require.Equal(t, tc.want, string(got), "%q", tc.in)
		var back string
		require.NoError(t, json.Unmarshal(got, &back))
		if tc.in != "\xff" {
			require.Equal(t, tc.in, back)
		}
	}
}

func TestSignature(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
	require.Equal(t, "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
		signature("key", []byte("The quick brown fox jumps over the lazy dog")))
}

func TestWAMIDShape(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := range 1000 {
		inbound := i%2 == 0
		id := newWAMID(anaWaID, inbound)
		require.False(t, seen[id], "duplicate wamid")
		seen[id] = true
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(id, "wamid."))
		require.NoError(t, err)
		require.Equal(t, []byte{0x1c, 0x18, byte(len(anaWaID))}, raw[:3])
		require.Equal(t, anaWaID, string(raw[3:3+len(anaWaID)]))
		rest := raw[3+len(anaWaID):]
		dir := byte(0x11)
		if inbound {
			dir = 0x12
		}
		require.Equal(t, []byte{0x15, 0x02, 0x00, dir, 0x18, 20}, rest[:6])
		require.Equal(t, byte(0), rest[len(rest)-1])
	}
	// Meta's documented example decodes with the same layout.
	raw, err := base64.StdEncoding.DecodeString("HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA")
	require.NoError(t, err)
	require.Equal(t, "16467043595", string(raw[3:14]))
	require.Equal(t, byte(0x11), raw[17])
}

func TestSlidingWindow(t *testing.T) {
	t.Parallel()
	var w slidingWindow
	t0 := time.Unix(1000, 0)
	for range 3 {
		require.True(t, w.allows(t0, 3))
		w.record(t0)
	}
	// Three per second, one second's worth spent at once: the next token
	// comes a third of a second later.
	require.False(t, w.allows(t0.Add(300*time.Millisecond), 3))
	require.True(t, w.allows(t0.Add(334*time.Millisecond), 3))
	w.record(t0.Add(334 * time.Millisecond))
	require.False(t, w.allows(t0.Add(400*time.Millisecond), 3))
	// A steady pace at exactly the rate, with jitter, is never refused.
	var p slidingWindow
	at := t0
	for i := range 300 {
		jitter := time.Duration((i%7)-3) * time.Millisecond
		require.True(t, p.allows(at.Add(jitter), 3), "send %d", i)
		p.record(at.Add(jitter))
		at = at.Add(time.Second / 3)
	}
}

func TestParseFields(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"status", "throughput", "quality_score"}, parseFields("status, throughput{level,x},quality_score.limit(1)"))
	require.Nil(t, parseFields(""))
}

func TestDefaultsAndConfig(t *testing.T) {
	t.Parallel()
	sb := New(Config{Senders: []Sender{{PhoneNumberID: "1", DisplayPhoneNumber: "+1 555-0100"}}})
	cfg := sb.Config()
	require.Equal(t, DefaultWABAID, cfg.WABAID)
	// Secrets are random, never a constant anyone could read in the source.
	other := New(Config{}).Config()
	for _, v := range []string{cfg.AppSecret, cfg.AccessToken, cfg.VerifyToken} {
		require.Len(t, v, 64)
		require.NotContains(t, LegacySecrets(), v)
		require.NotContains(t, []string{other.AppSecret, other.AccessToken, other.VerifyToken}, v)
	}
	require.NotEqual(t, cfg.AppSecret, cfg.AccessToken)
	require.Equal(t, 200*time.Millisecond, cfg.StatusDelay)
	require.Equal(t, 429, cfg.ThrottleHTTPStatus)
	require.NotNil(t, cfg.HTTPClient)
	require.Len(t, cfg.Templates, len(DefaultTemplates()))
	s := cfg.Senders[0]
	require.Equal(t, "1", s.CountryCode)
	require.Equal(t, "GREEN", s.QualityRating)
	require.Equal(t, "CONNECTED", s.Status)
	require.Equal(t, 80, s.ThroughputMPS)

	// Config returns copies: mutating them does not change the sandbox.
	cfg.Senders[0].Status = "BANNED"
	require.Equal(t, "CONNECTED", sb.Senders()[0].Status)
	sb.Close() // Close without Start is fine
	sb.Close()
}

func TestDefaultTemplatesContract(t *testing.T) {
	t.Parallel()
	byName := map[string]Template{}
	statuses := map[string]int{}
	for _, tp := range DefaultTemplates() {
		byName[tp.Name] = tp
		statuses[tp.Status]++
	}
	a := byName["appointment_confirmation"]
	require.Equal(t, "pt_BR", a.Language)
	require.Equal(t, "UTILITY", a.Category)
	require.Equal(t, "Olá {{1}}, seu compromisso com {{2}} está confirmado para {{3}}. Local: {{4}}", a.Components[0].Text)
	require.Equal(t, "pt_BR", byName["call_followup"].Language)
	require.Equal(t, "MARKETING", byName["promo_offer"].Category)
	require.Contains(t, byName, "order_confirmation")
	require.Equal(t, 1, statuses["PAUSED"])
	require.Equal(t, 1, statuses["REJECTED"])
	require.GreaterOrEqual(t, statuses["APPROVED"], 4)
}

func TestRecordsAreBounded(t *testing.T) {
	var list []int
	for i := range 25 {
		list = record(list, i, 10)
	}
	require.LessOrEqual(t, len(list), 10)
	require.Equal(t, 24, list[len(list)-1], "the newest is kept")
	for i := 1; i < len(list); i++ {
		require.Equal(t, list[i-1]+1, list[i], "in order, oldest dropped first")
	}
}
