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
	}
	for _, tc := range cases {
		got, ok := matchKeyword(tc.text, keywords)
		require.Equal(t, tc.want != "", ok, "%q", tc.text)
		require.Equal(t, tc.want, got, "%q", tc.text)
	}
}

func TestWords(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"nao", "quero", "acucar", "e", "cafe"}, words("Não quero açúcar e café!"))
	require.Empty(t, words("?!…"))
}
