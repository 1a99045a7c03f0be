package ui

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/flow"
)

// TestFlowsTextsInBothLanguages shows every flows text has its
// Portuguese and English, and every run and step status and wait kind a
// label.
func TestFlowsTextsInBothLanguages(t *testing.T) {
	t.Parallel()
	for k := range enFlows {
		require.NotEmpty(t, ptBRFlows[k], "no Portuguese for %s", k)
	}
	for k := range ptBRFlows {
		require.NotEmpty(t, enFlows[k], "no English for %s", k)
	}
	for _, s := range []string{flow.StatusRunning, flow.StatusWaiting, flow.StatusCompleted, flow.StatusFailed, flow.StatusCancelled, flow.StepSkipped} {
		require.Contains(t, enFlows, "runs.status."+s)
	}
	for _, w := range []string{flow.WaitSend, flow.WaitHTTP, flow.WaitAI, flow.WaitDelay, flow.WaitRetry, flow.WaitReply} {
		require.Contains(t, enFlows, "runs.wait."+w)
	}
}
