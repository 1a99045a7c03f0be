package ui

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestForwardTextsInBothLanguages: every forwarding text has its
// Brazilian Portuguese translation, and every state and outcome the log
// shows has a text.
func TestForwardTextsInBothLanguages(t *testing.T) {
	for k := range enForward {
		require.NotEmpty(t, ptBRForward[k], "pt-BR text missing for %s", k)
	}
	require.Len(t, ptBRForward, len(enForward), "pt-BR has texts English lacks")
	for _, k := range []string{"all", "pending", "delivered", "failed", "held"} {
		require.NotEmpty(t, enForward["forward.state."+k], k)
	}
	for _, k := range []string{"delivered", "retry", "failed"} {
		require.NotEmpty(t, enForward["forward.outcome."+k], k)
	}
}
