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
		require.NotEmpty(t, enSettings["settings."+p.Slug+".title"], p.Slug)
		require.NotEmpty(t, enSettings["settings."+p.Slug+".desc"], p.Slug)
	}
}
