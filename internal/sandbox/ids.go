package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// newWAMID builds a message id shaped like Meta's: "wamid." + standard base64
// of a Thrift-compact blob holding the user's number, a direction marker
// (0x11 outbound, 0x12 inbound) and 20 random upper-hex characters. Clients
// must treat it as opaque; the shape is only for realism. Uniqueness comes
// from 80 random bits.
func newWAMID(waID string, inbound bool) string {
	var rnd [10]byte
	_, _ = rand.Read(rnd[:])
	tail := strings.ToUpper(hex.EncodeToString(rnd[:]))
	dir := byte(0x11)
	if inbound {
		dir = 0x12
	}
	b := make([]byte, 0, 8+len(waID)+len(tail))
	b = append(b, 0x1c, 0x18, byte(len(waID)))
	b = append(b, waID...)
	b = append(b, 0x15, 0x02, 0x00, dir, 0x18, byte(len(tail)))
	b = append(b, tail...)
	b = append(b, 0x00)
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}

// RandomSecret returns 32 random bytes as hex: a sandbox app secret,
// access token or verify token that only this installation knows.
func RandomSecret() string {
	var rnd [32]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(rnd[:])
}

// newTraceID returns an fbtrace_id-like token (17 URL-safe characters).
func newTraceID() string {
	var rnd [13]byte
	_, _ = rand.Read(rnd[:])
	return base64.RawURLEncoding.EncodeToString(rnd[:])[:17]
}

// newHexID returns n random bytes as lowercase hex (conversation ids).
func newHexID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
