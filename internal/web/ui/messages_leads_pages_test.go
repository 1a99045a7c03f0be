package ui

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLeadPagesTextsInBothLanguages shows every text of the leads pages
// has a Brazilian Portuguese translation and no key is English-only.
func TestLeadPagesTextsInBothLanguages(t *testing.T) {
	for k := range enLeadPages {
		require.NotEmpty(t, ptBRLeadPages[k], "pt-BR text missing for %s", k)
	}
	require.Len(t, ptBRLeadPages, len(enLeadPages))
}
