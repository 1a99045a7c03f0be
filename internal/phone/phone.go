package phone

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalid is the sentinel every rejection wraps; its message is exactly
// "invalid phone number: use +<country code><number>".
var ErrInvalid = errors.New("invalid phone number: use +<country code><number>")

// maxInputLen bounds the raw input accepted by Normalize. Real numbers with
// generous formatting are far shorter; this keeps pathological input cheap.
const maxInputLen = 64

// E.164 allows at most 15 digits; 8 is a conservative floor for a wa_id
// (country code plus subscriber number).
const (
	minWAIDLen = 8
	maxWAIDLen = 15
)

// Normalize parses input (spaces, dashes, dots, parentheses allowed; a leading
// "+" or "00" international prefix; without one, defaultRegion (ISO 3166
// alpha-2 like "BR", "GB", case-insensitive; "" = none) is used, and with no
// region it fails) and returns the E.164 form. It fails (wrapping ErrInvalid,
// with a detail like `"07123456789": no country code`) for empty input,
// letters, numbers that libphonenumber says are not valid (IsValidNumber), and
// unknown regions. A non-empty but unknown defaultRegion is always rejected,
// even for input that carries its own country code, so misconfiguration
// surfaces immediately.
func Normalize(input, defaultRegion string) (string, error) {
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region != "" && !ValidRegion(region) {
		return "", fmt.Errorf("%w: unknown default region %q", ErrInvalid, defaultRegion)
	}

	cleaned, err := clean(input)
	if err != nil {
		return "", err
	}

	international := strings.HasPrefix(cleaned, "+")
	if !international && region == "" {
		return "", fmt.Errorf("%w: %q: no country code", ErrInvalid, input)
	}
	if international {
		// The number carries its own country code; libphonenumber would ignore
		// the region anyway, but pass "" to make that explicit.
		region = ""
	}

	num, err := phonenumbers.Parse(cleaned, region)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrInvalid, input, err)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", fmt.Errorf("%w: %q: not a valid number", ErrInvalid, input)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// clean strips the allowed separators from input and rewrites a leading "00"
// international prefix to "+". The result is "+" followed by digits, or just
// digits. Anything else (letters, "#", "*", a "+" after digits, ...) is
// rejected here so that libphonenumber's lenient parser never sees it (it
// would otherwise map vanity letters to digits or strip extensions).
func clean(input string) (string, error) {
	if strings.TrimSpace(input) == "" {
		return "", fmt.Errorf("%w: empty input", ErrInvalid)
	}
	if len(input) > maxInputLen {
		return "", fmt.Errorf("%w: input longer than %d characters", ErrInvalid, maxInputLen)
	}

	var b strings.Builder
	b.Grow(len(input))
	plus := false
	digits := 0
	for _, r := range input {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+':
			if plus || digits > 0 {
				return "", fmt.Errorf("%w: %q: misplaced '+'", ErrInvalid, input)
			}
			plus = true
		case r == '-' || r == '.' || r == '(' || r == ')' || unicode.IsSpace(r):
			// separator
		default:
			return "", fmt.Errorf("%w: %q: unexpected character %q", ErrInvalid, input, r)
		}
	}
	if digits == 0 {
		return "", fmt.Errorf("%w: %q: no digits", ErrInvalid, input)
	}

	s := b.String()
	if !plus {
		if rest, ok := strings.CutPrefix(s, "00"); ok {
			s, plus = rest, true
			if s == "" {
				return "", fmt.Errorf("%w: %q: no digits after international prefix", ErrInvalid, input)
			}
		}
	}
	if plus {
		s = "+" + s
	}
	return s, nil
}

// FromWAID converts a WhatsApp wa_id (digits, no "+", e.g. "5511988887777")
// to E.164 ("+5511988887777"). wa_ids are what WhatsApp itself reports, so
// they are trusted to be international; FromWAID only checks that it is 8–15
// ASCII digits not starting with 0 (no country code starts with 0), and does
// not apply IsValidNumber (Meta's test numbers like 15550783881 are not
// "valid").
func FromWAID(waID string) (string, error) {
	if len(waID) < minWAIDLen || len(waID) > maxWAIDLen {
		return "", fmt.Errorf("%w: wa_id %q: must be %d-%d digits", ErrInvalid, waID, minWAIDLen, maxWAIDLen)
	}
	for i := 0; i < len(waID); i++ {
		if waID[i] < '0' || waID[i] > '9' {
			return "", fmt.Errorf("%w: wa_id %q: must contain only digits", ErrInvalid, waID)
		}
	}
	if waID[0] == '0' {
		return "", fmt.Errorf("%w: wa_id %q: country code cannot start with 0", ErrInvalid, waID)
	}
	return "+" + waID, nil
}

// WAID is the inverse of FromWAID: E.164 → digits without "+". It does not
// validate; pass it values produced by Normalize or FromWAID.
func WAID(e164 string) string {
	return strings.TrimPrefix(e164, "+")
}

// ValidRegion reports whether region is a region libphonenumber knows ("" is
// not valid). The comparison is case-insensitive ("br" and "BR" both are).
func ValidRegion(region string) bool {
	if region == "" {
		return false
	}
	return phonenumbers.GetSupportedRegions()[strings.ToUpper(region)]
}
