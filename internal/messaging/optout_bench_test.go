package messaging

import (
	"strconv"
	"testing"
	"unicode"
)

// The opt-out match of one typed message against the default keywords, as
// the processing writer runs it for every inbound message: a sentence
// (most messages), which is longer than any keyword and not folded, and a
// short reply, which is.
func BenchmarkOptOutMatch(b *testing.B) {
	s := &Service{}
	for _, typed := range []string{"Olá! Vocês têm o tênis azul no tamanho 42? Quero saber o preço.", "Não."} {
		b.Run(strconv.Itoa(len(typed))+" bytes", func(b *testing.B) {
			for b.Loop() {
				if s.foldedOptOut(DefaultOptOutKeywords).matches(typed, nil) {
					b.Fatal("matched")
				}
			}
		})
	}
}

// foldsLonger counts letters and digits as a lower bound of a fold's
// length: that holds only if every letter and digit folds to at least one
// letter or digit, which this checks for every rune Go knows.
func TestEveryLetterFoldsToALetter(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if (unicode.IsLetter(r) || unicode.IsDigit(r)) && foldKeyword(string(r)) == "" {
			t.Fatalf("%U %q folds to nothing", r, r)
		}
	}
}
