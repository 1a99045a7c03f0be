package ui

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestContactsTextsInBothLanguages shows every text of the contacts pages
// has its Portuguese and its English.
func TestContactsTextsInBothLanguages(t *testing.T) {
	t.Parallel()
	for k := range enContacts {
		require.NotEmpty(t, ptBRContacts[k], "no Portuguese for %s", k)
	}
	for k := range ptBRContacts {
		require.NotEmpty(t, enContacts[k], "no English for %s", k)
	}
}
