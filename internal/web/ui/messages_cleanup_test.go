package ui

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCleanupTextsInBothLanguages: every text of the cleanup panel has a
// Brazilian Portuguese translation, and every trigger and status a text.
func TestCleanupTextsInBothLanguages(t *testing.T) {
	for k := range enCleanup {
		require.NotEmpty(t, ptBRCleanup[k], "pt-BR text missing for %s", k)
	}
	for _, k := range []string{"schedule", "manual", "dry_run"} {
		require.NotEmpty(t, enCleanup["cleanup.trigger."+k])
	}
	for _, k := range []string{"running", "done", "failed"} {
		require.NotEmpty(t, enCleanup["cleanup.status."+k])
	}
}
