package ui

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSettingsTextsInBothLanguages shows every settings text has a
// Brazilian Portuguese translation, and every panel a title and a
// description.
func TestSettingsTextsInBothLanguages(t *testing.T) {
	for k := range enSettings {
		require.NotEmpty(t, ptBRSettings[k], "pt-BR text missing for %s", k)
	}
	for _, p := range settingsPanels {
		for _, k := range []string{"settings." + p.Slug + ".title", "settings." + p.Slug + ".desc"} {
			en, ok := lookup(enParts, k)
			require.True(t, ok && en != "", k)
			pt, ok := lookup(ptBRParts, k)
			require.True(t, ok && pt != "", k)
		}
	}
}
