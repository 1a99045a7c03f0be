package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// firstCustomer is the wa_id of customer 0; customer i is firstCustomer+i.
// Brazilian mobile numbers (55 11 9xxxx-xxxx) are realistic and never collide
// with the sandbox's own business numbers.
const firstCustomer int64 = 5511900000000

// payloadConfig is everything that is fixed for a run. It is shared read-only
// by all workers.
type payloadConfig struct {
	Secret    []byte
	WABA      string
	PhoneIDs  []string
	Customers int
	Batch     int
	// RunID makes wamids unique across runs against the same database, so a
	// second run is not silently deduplicated away by the server.
	RunID string
}

// generator builds signed request bodies. Each worker owns one (it is not safe
// for concurrent use); only the message sequence counter is shared, so wamids
// are unique across workers without locking.
type generator struct {
	cfg *payloadConfig
	seq *atomic.Uint64
	mac hash.Hash // reused: hmac.New per request would allocate two hashes
	ts  func() time.Time
}

func newGenerator(cfg *payloadConfig, seq *atomic.Uint64) *generator {
	return &generator{cfg: cfg, seq: seq, mac: hmac.New(sha256.New, cfg.Secret), ts: time.Now}
}

// next returns a fresh body with cfg.Batch new messages and its
// X-Hub-Signature-256 header value.
//
// A new slice is allocated on every call on purpose: net/http may still be
// writing a request body after Do returns (e.g. when the server answers before
// reading it), so bodies must not be recycled.
func (g *generator) next() (body []byte, signature string) {
	n := uint64(g.cfg.Batch)
	first := g.seq.Add(n) - n
	body = appendPayload(make([]byte, 0, 512+300*int(n)), g.cfg, first, g.ts().Unix())
	return body, g.sign(body)
}

// sign returns "sha256=" + lowercase hex HMAC-SHA256(secret, body), exactly
// what Meta puts in X-Hub-Signature-256.
func (g *generator) sign(body []byte) string {
	g.mac.Reset()
	g.mac.Write(body)
	var sum [sha256.Size]byte
	return "sha256=" + hex.EncodeToString(g.mac.Sum(sum[:0]))
}

// wamid derives a unique message id from the run id and the global message
// sequence number. Real wamids are base64 of an opaque binary blob; base64 of
// a unique string has the same look and the same uniqueness property.
func wamid(runID string, seq uint64) string {
	raw := make([]byte, 0, 48)
	raw = append(raw, "zapflow-bench:"...)
	raw = append(raw, runID...)
	raw = append(raw, ':')
	raw = strconv.AppendUint(raw, seq, 10)
	return "wamid." + base64.StdEncoding.EncodeToString(raw)
}

// displayNumber is the human-readable business number shown for phone id i.
func displayNumber(i int) string {
	return "1555" + leftPad(strconv.Itoa(i+1), 7)
}

func leftPad(s string, width int) string {
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// appendPayload appends one webhook notification in the exact Meta Cloud API
// shape (reference §4.4): one entry for the WABA, one "messages" change for
// one business phone number, carrying cfg.Batch text messages with sequence
// numbers first, first+1, ...
//
// JSON is built by hand rather than with encoding/json because the generator
// shares the CPU with the server under test: every cycle spent here is a
// cycle the server does not get. Strings go through appendJSONString, which
// escapes like Meta does (ASCII-only output, non-ASCII as lowercase \uXXXX).
func appendPayload(b []byte, cfg *payloadConfig, first uint64, unix int64) []byte {
	batch := uint64(cfg.Batch)
	phoneIdx := int((first / batch) % uint64(len(cfg.PhoneIDs)))
	customers := uint64(cfg.Customers)

	b = append(b, `{"object":"whatsapp_business_account","entry":[{"id":`...)
	b = appendJSONString(b, cfg.WABA)
	b = append(b, `,"changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":`...)
	b = appendJSONString(b, displayNumber(phoneIdx))
	b = append(b, `,"phone_number_id":`...)
	b = appendJSONString(b, cfg.PhoneIDs[phoneIdx])
	b = append(b, `},"contacts":[`...)
	// Senders are assigned round-robin by sequence number, so the first
	// min(batch, customers) messages of a batch already name every distinct
	// sender in it: Meta lists each sender once in contacts.
	nContacts := min(batch, customers)
	for i := range nContacts {
		if i > 0 {
			b = append(b, ',')
		}
		c := (first + i) % customers
		b = append(b, `{"profile":{"name":`...)
		b = appendJSONString(b, "Cliente "+strconv.FormatUint(c, 10))
		b = append(b, `},"wa_id":"`...)
		b = strconv.AppendInt(b, firstCustomer+int64(c), 10)
		b = append(b, `"}`...)
	}
	b = append(b, `],"messages":[`...)
	for i := range batch {
		seq := first + i
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"from":"`...)
		b = strconv.AppendInt(b, firstCustomer+int64(seq%customers), 10)
		b = append(b, `","id":`...)
		b = appendJSONString(b, wamid(cfg.RunID, seq))
		b = append(b, `,"timestamp":"`...)
		b = strconv.AppendInt(b, unix, 10)
		b = append(b, `","type":"text","text":{"body":`...)
		// Non-ASCII on purpose: it exercises the \u escaping that makes
		// re-serialising the body before verifying the HMAC fail.
		b = appendJSONString(b, "Olá, quero saber do pedido #"+strconv.FormatUint(seq, 10))
		b = append(b, `}}`...)
	}
	b = append(b, `]}}]}]}`...)
	return b
}

// appendJSONString appends s as a JSON string literal, escaping the way Meta
// does: quotes, backslashes and control characters are escaped, and every
// non-ASCII rune is written as lowercase \uXXXX (surrogate pairs above the
// BMP), so the body is pure ASCII.
func appendJSONString(b []byte, s string) []byte {
	const hexdigits = "0123456789abcdef"
	appendU := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hexdigits[r>>12&0xf], hexdigits[r>>8&0xf], hexdigits[r>>4&0xf], hexdigits[r&0xf])
	}
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r < 0x20:
			b = appendU(b, r)
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		case r > 0xffff:
			r -= 0x10000
			b = appendU(b, 0xd800+(r>>10))
			b = appendU(b, 0xdc00+(r&0x3ff))
		default:
			b = appendU(b, r)
		}
	}
	return append(b, '"')
}
