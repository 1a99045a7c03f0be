package sandbox

import "strings"

// normalizePhone turns a `to` (or a simulated customer's number) into a wa_id.
// Like Meta it accepts "+", spaces, dashes, dots and parentheses. Without a
// leading "+" Meta prepends the business number's country code; we do that
// unless the digits already start with that code followed by a full national
// number (10+ digits), so "5511988887777" and "11988887777" both become
// 5511988887777 for a Brazilian sender. Valid wa_ids have 8–15 digits.
func normalizePhone(in, countryCode string) (string, bool) {
	s := strings.TrimSpace(in)
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	d := b.String()
	if !plus && d != "" && !(strings.HasPrefix(d, countryCode) && len(d)-len(countryCode) >= 10) {
		d = countryCode + d
	}
	if len(d) < 8 || len(d) > 15 {
		return "", false
	}
	return d, true
}

// digitsOf keeps only the digits of s (display numbers → webhook metadata).
func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
