package whatsapp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// signedBody is an ASCII-escaped payload as Meta sends it; its signature
// was computed once with
// printf '%s' "$body" | openssl dgst -sha256 -hmac zapflow-test-secret.
const (
	signedSecret = "zapflow-test-secret"
	signedBody   = `{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":{"text":"\u00e4\u00f6\u00e5"}}]}]}`
	signedHeader = "sha256=af049a69fc9f053b9ff7bdf97d8ba5ac098527d038e9431b8ffd0eebb42f3fe9"
)

func TestSignKnownVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, secret, body, want string
	}{
		{"meta style payload", signedSecret, signedBody, signedHeader},
		// RFC-style vector also published in Wikipedia's HMAC article.
		{"quick brown fox", "key", "The quick brown fox jumps over the lazy dog",
			"sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Sign(tt.secret, []byte(tt.body)))
		})
	}
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	digest := strings.TrimPrefix(signedHeader, "sha256=")
	tests := []struct {
		name   string
		secret string
		body   string
		header string
		want   bool
	}{
		{"valid", signedSecret, signedBody, signedHeader, true},
		{"uppercase hex is the same digest", signedSecret, signedBody, "sha256=" + strings.ToUpper(digest), true},
		{"wrong secret", "other-secret", signedBody, signedHeader, false},
		{"tampered body", signedSecret, strings.Replace(signedBody, `"0"`, `"1"`, 1), signedHeader, false},
		{"re-serialised unicode body", signedSecret, strings.ReplaceAll(signedBody, `\u00e4\u00f6\u00e5`, "äöå"), signedHeader, false},
		{"missing prefix", signedSecret, signedBody, digest, false},
		{"sha1 prefix", signedSecret, signedBody, "sha1=" + digest, false},
		{"uppercase prefix", signedSecret, signedBody, "SHA256=" + digest, false},
		{"empty header", signedSecret, signedBody, "", false},
		{"prefix only", signedSecret, signedBody, "sha256=", false},
		{"truncated digest", signedSecret, signedBody, signedHeader[:len(signedHeader)-2], false},
		{"non-hex digest", signedSecret, signedBody, "sha256=" + strings.Repeat("zz", 32), false},
		{"trailing garbage", signedSecret, signedBody, signedHeader + "00", false},
		{"empty secret never verifies", "", signedBody, Sign("", []byte(signedBody)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, VerifySignature(tt.secret, []byte(tt.body), tt.header))
		})
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "{}", signedBody, strings.Repeat("x", 1<<16)} {
		header := Sign("s", []byte(body))
		require.True(t, VerifySignature("s", []byte(body), header))
		require.False(t, VerifySignature("t", []byte(body), header))
	}
}
