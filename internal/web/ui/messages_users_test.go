package ui

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
)

// TestUsersTextsInBothLanguages shows every text of the users pages has
// its Portuguese and every permission a label in both languages.
func TestUsersTextsInBothLanguages(t *testing.T) {
	t.Parallel()
	for k := range enUsers {
		require.Contains(t, ptBRUsers, k, "no Portuguese for %s", k)
	}
	for k := range ptBRUsers {
		require.Contains(t, enUsers, k, "no English for %s", k)
	}
	for _, p := range agent.AllPermissions {
		require.Contains(t, enUsers, "perm."+p)
	}
}
