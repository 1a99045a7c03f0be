package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// errMissing marks a required value that is absent or null; callers turn
// it into `missing "<name>"`.
var errMissing = errors.New("missing")

// malformed builds the error ParseWebhook returns: it wraps ErrMalformed and
// says where in the payload (a JSON path like entry[0].changes[1].value)
// and what is wrong, so a rejected delivery can be diagnosed from the log.
func malformed(where, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, where, fmt.Sprintf(format, args...))
}

// fieldError reports a problem with one named field at where, using the
// same wording for missing and invalid values everywhere.
func fieldError(where, name string, err error) error {
	if errors.Is(err, errMissing) {
		return malformed(where, "missing %q", name)
	}
	return malformed(where, "%q: %v", name, err)
}

// decodeAt decodes raw into v and turns a type mismatch into a malformed
// error at where that names the offending field.
func decodeAt(raw json.RawMessage, v any, where string) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return malformed(where, "%s", describeDecodeError(err))
	}
	return nil
}

// describeDecodeError rewrites encoding/json errors, which name Go types,
// in terms of the JSON the sender wrote.
func describeDecodeError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Sprintf("want %s, got %s", jsonKind(te.Type), te.Value)
		}
		return fmt.Sprintf("%q: want %s, got %s", te.Field, jsonKind(te.Type), te.Value)
	}
	return err.Error()
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	default:
		return "a value"
	}
}

// isAbsent reports whether raw is a missing or null JSON value.
func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// normRaw normalises a raw JSON value for storage: absent or null becomes
// nil (so omitempty drops it) and anything else is re-encoded the way
// encoding/json would re-encode it (compact, HTML-safe), so an Event
// marshalled and unmarshalled again is byte-for-byte equal.
func normRaw(raw json.RawMessage) json.RawMessage {
	if isAbsent(raw) {
		return nil
	}
	if isCompactSafe(raw) {
		// Re-encoding would copy the bytes unchanged; raw is already a
		// copy the decoder made, so it can be kept as is.
		return raw
	}
	out, err := json.Marshal(raw)
	if err != nil {
		// Unreachable for a value that came out of the decoder; keep the
		// bytes rather than lose them.
		return raw
	}
	return out
}

// isCompactSafe reports whether encoding/json would re-encode the valid
// JSON value raw byte for byte: no whitespace outside strings and nothing it
// escapes (<, >, &, U+2028, U+2029). Payloads from Meta are compact, so
// normRaw can usually skip the re-encoding.
func isCompactSafe(raw []byte) bool {
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '<' || c == '>' || c == '&':
			return false
		case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8:
			return false
		case inString && c == '\\':
			i++ // the escaped byte is ASCII and cannot end the string
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
}

// isDigits reports whether b is a non-empty run of ASCII digits.
func isDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// stringOrNumber returns the text of a JSON string, or the literal of a
// JSON unsigned integer. Meta sends ids and timestamps as strings in some
// payloads and as integers in others.
func stringOrNumber(raw json.RawMessage) (string, error) {
	if isAbsent(raw) {
		return "", errMissing
	}
	if raw[0] == '"' {
		// A string of digits, the usual id or timestamp, has no escapes to
		// decode.
		if len(raw) >= 2 && raw[len(raw)-1] == '"' && isDigits(raw[1:len(raw)-1]) {
			return string(raw[1 : len(raw)-1]), nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("want a string, got %s", snippet(raw, 40))
		}
		return s, nil
	}
	if isDigits(raw) {
		return string(raw), nil
	}
	return "", fmt.Errorf("want a string or an unsigned integer, got %s", snippet(raw, 40))
}

// parseID decodes an id that may be a string or an integer; an absent id is
// "" without error so callers decide whether it is required.
func parseID(raw json.RawMessage) (string, error) {
	s, err := stringOrNumber(raw)
	if errors.Is(err, errMissing) {
		return "", nil
	}
	return s, err
}

// parseLooseInt decodes an integer sent as a number or a digit string
// (error codes); absent is 0.
func parseLooseInt(raw json.RawMessage) (int, error) {
	if isAbsent(raw) {
		return 0, nil
	}
	s, err := stringOrNumber(bytes.TrimPrefix(raw, []byte("-")))
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("want an integer, got %q", truncate(s, 40))
	}
	if raw[0] == '-' {
		n = -n
	}
	return n, nil
}

// Bounds for unix timestamps. Values at or above msThreshold are read as
// milliseconds: as seconds they would be after the year 5000, as
// milliseconds they are after 1973. maxUnixMilli is the last millisecond
// of year 9999, the last instant encoding/json can write.
const (
	msThreshold  = 100_000_000_000
	maxUnixMilli = 253_402_300_799_999
)

// parseTimestamp decodes a unix timestamp sent as a digit string or an
// integer, in seconds or (a Meta quirk) milliseconds, to a UTC time.
func parseTimestamp(raw json.RawMessage) (time.Time, error) {
	if n, ok := plainUnix(raw); ok {
		return unixTime(n), nil
	}
	return parseTimestampText(raw)
}

// plainUnix reads the common timestamp, 1 to 15 digits (quoted or not)
// that are in range and not zero, without building a string; ok is false
// for anything else, which parseTimestampText then judges.
func plainUnix(raw []byte) (n int64, ok bool) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	if len(raw) == 0 || len(raw) > 15 {
		return 0, false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n != 0 && n <= maxUnixMilli
}

// unixTime turns a valid timestamp into a UTC time.
func unixTime(n int64) time.Time {
	if n >= msThreshold {
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}

// parseTimestampText is parseTimestamp for any raw value, with the errors.
func parseTimestampText(raw json.RawMessage) (time.Time, error) {
	s, err := stringOrNumber(raw)
	if err != nil {
		return time.Time{}, err
	}
	if !isDigits([]byte(s)) {
		return time.Time{}, fmt.Errorf("want unix seconds, got %q", truncate(s, 40))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > maxUnixMilli {
		return time.Time{}, fmt.Errorf("unix time %q out of range", truncate(s, 40))
	}
	if n == 0 {
		return time.Time{}, errors.New("unix time is zero")
	}
	return unixTime(n), nil
}

// snippet quotes at most n bytes of raw for an error message.
func snippet(raw []byte, n int) string {
	return strconv.Quote(truncate(string(raw), n))
}

// truncate shortens s to at most n bytes, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
