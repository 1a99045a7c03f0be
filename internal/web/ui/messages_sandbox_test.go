package ui

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSandboxTextsInBothLanguages: every text of the sandbox page has a
// Brazilian Portuguese translation and the other way round, including
// those for lists and refused answers.
func TestSandboxTextsInBothLanguages(t *testing.T) {
	for k := range enSandbox {
		require.NotEmpty(t, ptBRSandbox[k], "pt-BR text missing for %s", k)
	}
	for k := range ptBRSandbox {
		require.NotEmpty(t, enSandbox[k], "English text missing for %s", k)
	}
	for _, k := range []string{"sandbox.list.open", "sandbox.list.pick", "sandbox.choice.unknown"} {
		require.NotEmpty(t, enSandbox[k])
	}
}
