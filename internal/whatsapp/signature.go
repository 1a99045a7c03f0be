package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SignatureHeader is the HTTP header in which Meta sends the webhook body's
// signature, kept here so intake code and the sandbox agree on the name.
const SignatureHeader = "X-Hub-Signature-256"

// signaturePrefix precedes the hex digest in the header value.
const signaturePrefix = "sha256="

// Sign returns the X-Hub-Signature-256 header value for body:
// "sha256=" followed by the lowercase hex HMAC-SHA256 of body keyed with
// appSecret. The sandbox uses it to sign the exact bytes it sends, just as
// Meta signs its raw (unicode-escaped) payload.
func Sign(appSecret string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(appSecret, body))
}

// VerifySignature reports whether header is a valid signature of body
// under appSecret. It hashes the raw bytes (never re-serialised JSON),
// compares in constant time, and answers false for an empty secret (so a
// missing configuration can never accept forged requests), an empty or
// prefix-less header, and anything that is not 64 hex digits. Hex case is
// not significant: Meta sends lowercase, but the digest is the same value
// either way and a proxy that upper-cases it does not make it forged.
func VerifySignature(appSecret string, body []byte, header string) bool {
	if appSecret == "" {
		return false
	}
	digest, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok || len(digest) != hex.EncodedLen(sha256.Size) {
		return false
	}
	got, err := hex.DecodeString(digest)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(appSecret, body))
}

// mac computes HMAC-SHA256(appSecret, body).
func mac(appSecret string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(appSecret))
	h.Write(body)
	return h.Sum(nil)
}
