package ai

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fold returns text's words lower-case and without accents, each with a
// space before and after it: letters and digits are kept, everything else
// separates words. "Stop!" is " stop ", "PARAR" is " parar ", "não, quero"
// is " nao quero ". A keyword's words then occur in a text as whole words
// in a row exactly when its folded form is a substring of the text's.
//
// It runs for every inbound text inside the processing transaction, so
// it makes one string, not one per word, and ASCII text (most messages)
// skips the accent decomposition.
func fold(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 2)
	b.WriteByte(' ')
	space := true
	put := func(r rune) {
		switch {
		case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
			b.WriteByte(byte(r))
			space = false
		case 'A' <= r && r <= 'Z':
			b.WriteByte(byte(r) + 'a' - 'A')
			space = false
		case r < utf8.RuneSelf:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		case unicode.Is(unicode.Mn, r):
			// an accent: dropped, the letter it sat on stays
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	if ascii(text) {
		for i := 0; i < len(text); i++ {
			put(rune(text[i]))
		}
	} else {
		for _, r := range norm.NFD.String(text) {
			put(r)
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// matchKeyword returns the first keyword found in text as whole words,
// ignoring case and accents: "stop" matches "Stop!" and "please STOP now"
// but not "stopped"; a keyword of several words matches them in a row.
func matchKeyword(text string, keywords []string) (string, bool) {
	if len(keywords) == 0 {
		return "", false
	}
	ft := fold(text)
	for _, k := range keywords {
		if fk := fold(k); fk != " " && strings.Contains(ft, fk) {
			return k, true
		}
	}
	return "", false
}
