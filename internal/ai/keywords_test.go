package ai

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStopKeywords(t *testing.T) {
	t.Parallel()
	keywords := []string{"stop", "parar", "pare", "não quero", "cancelar"}
	cases := []struct {
		text string
		want string // "" = no match
	}{
		// English
		{"stop", "stop"},
		{"Stop!", "stop"},
		{"STOP", "stop"},
		{"please stop sending me this", "stop"},
		{"stop.", "stop"},
		{"stopped", ""},
		{"nonstop deals?", ""},
		{"unstoppable", ""},
		{"bus stop", "stop"},
		// Portuguese
		{"PARAR", "parar"},
		{"parar", "parar"},
		{"Pare, por favor", "pare"},
		{"pare!!!", "pare"},
		{"Parabéns pelo atendimento", ""},
		{"preparar o pedido", ""},
		{"parei de usar", ""},
		{"Não quero mais", "não quero"},
		{"nao QUERO", "não quero"},
		{"não, quero sim", "não quero"}, // punctuation separates words only
		{"quero não", ""},
		{"CANCELÁR", "cancelar"},
		{"cancelamento", ""},
		{"", ""},
		{"🛑 stop 🛑", "stop"},
		{"stop?parar", "stop"}, // the first keyword of the list wins
		{"não   quero", "não quero"},
	}
	for _, tc := range cases {
		got, ok := matchKeyword(tc.text, keywords)
		require.Equal(t, tc.want != "", ok, "%q", tc.text)
		require.Equal(t, tc.want, got, "%q", tc.text)
	}
	// A keyword with no word in it matches nothing.
	_, ok := matchKeyword("stop", []string{"!!", ""})
	require.False(t, ok)
}

func TestFold(t *testing.T) {
	t.Parallel()
	require.Equal(t, " nao quero acucar e cafe ", fold("Não quero açúcar e café!"))
	require.Equal(t, " nao quero ", fold("  NAO,  quero... "))
	require.Equal(t, " ", fold("?!…"))
	require.Equal(t, " ", fold(""))
}

// BenchmarkMatchKeyword times the stop-keyword check every inbound text
// gets inside the processing transaction (five keywords, one accented).
func BenchmarkMatchKeyword(b *testing.B) {
	keywords := []string{"stop", "parar", "pare", "não quero", "cancelar"}
	for _, text := range []string{"quero fazer um pedido de 2 pizzas", "Não, obrigado! Já está ótimo"} {
		b.Run(map[bool]string{true: "ascii", false: "accents"}[ascii(text)], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				matchKeyword(text, keywords)
			}
		})
	}
}
