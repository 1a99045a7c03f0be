package ui

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLeadSettingsTextsInBothLanguages shows every auto lead text has a
// Brazilian Portuguese translation, and every status a name.
func TestLeadSettingsTextsInBothLanguages(t *testing.T) {
	for k := range enLeadSettings {
		require.NotEmpty(t, ptBRLeadSettings[k], "pt-BR text missing for %s", k)
	}
	require.Len(t, ptBRLeadSettings, len(enLeadSettings))
	for _, s := range []string{"new", "in_progress", "contacted", "qualified", "closed"} {
		require.NotEmpty(t, enLeadSettings["lead.status."+s], s)
	}
}
