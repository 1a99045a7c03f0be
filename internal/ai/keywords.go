package ai

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// words splits text into lower-case words without accents: letters and
// digits are kept, everything else separates words. "Stop!" is [stop],
// "PARAR" is [parar], "não quero" is [nao quero].
func words(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range norm.NFD.String(text) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// an accent: dropped, the letter it sat on stays
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return out
}

// matchKeyword returns the first keyword found in text as whole words,
// ignoring case and accents: "stop" matches "Stop!" and "please STOP now"
// but not "stopped"; a keyword of several words matches them in a row.
func matchKeyword(text string, keywords []string) (string, bool) {
	tw := words(text)
	for _, k := range keywords {
		kw := words(k)
		if len(kw) == 0 || len(kw) > len(tw) {
			continue
		}
		for i := 0; i+len(kw) <= len(tw); i++ {
			if equalWords(tw[i:i+len(kw)], kw) {
				return k, true
			}
		}
	}
	return "", false
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
