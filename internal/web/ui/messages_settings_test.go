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
		_, title := lookup(enParts, "settings."+p.Slug+".title")
		_, desc := lookup(enParts, "settings."+p.Slug+".desc")
		require.True(t, title && desc, p.Slug)
	}
}
