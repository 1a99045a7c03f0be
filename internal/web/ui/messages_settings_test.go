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
		// A panel's texts may live in its own part's file.
		title, _ := lookup(enParts, "settings."+p.Slug+".title")
		desc, _ := lookup(enParts, "settings."+p.Slug+".desc")
		require.NotEmpty(t, title, p.Slug)
		require.NotEmpty(t, desc, p.Slug)
	}
}
