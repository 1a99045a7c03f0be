package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/flow"
)

// F7 in a flow: generate_ai_reply asks the assistant (the sandbox model
// here) with the trigger's message, and the next step sends its answer.
func TestFlowGenerateAIReplyAnswersOverWhatsApp(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		var asst ai.Assistant
		require.Equal(t, http.StatusCreated, env.Do("POST", "/api/v1/assistants",
			map[string]any{"name": "Clara", "system_prompt": "Answer as Acme's shop."}, &asst))
		createFlow(t, env, map[string]any{
			"name": "ai answers", "enabled": true,
			"trigger": map[string]any{"type": "whatsapp.message_received"},
			"steps": []any{
				map[string]any{"id": "ai", "type": "generate_ai_reply", "assistant": asst.ID, "message": "{{trigger.message}}",
					"context": map[string]string{"loja": "Acme"}},
				map[string]any{"id": "answer", "type": "send_text", "text": "{{steps.ai.text}}"},
			},
		})
		const customer = "+5511966665555"
		customerWrites(t, env, "100000000000011", customer, "vocês abrem sábado?")

		var runs struct{ Runs []flow.Run }
		env.Eventually(func() bool {
			return env.Do("GET", "/api/v1/runs", nil, &runs) == http.StatusOK && len(runs.Runs) == 1 && runs.Runs[0].Status == flow.StatusCompleted
		}, "the run completes")
		run := getRun(t, env, runs.Runs[0].ID)
		require.Equal(t, "ai", run.Steps[0].Step)
		text, _ := run.Steps[0].Output["text"].(string)
		require.True(t, strings.HasPrefix(text, `[sandbox] You wrote: "vocês abrem sábado?".`), text)
		require.NotEmpty(t, run.Steps[0].Output["ai_conversation_id"])

		var sent []string
		for _, m := range env.App.Sandbox.Sent() {
			if m.WaID == strings.TrimPrefix(customer, "+") {
				sent = append(sent, m.Text)
			}
		}
		require.Equal(t, []string{text}, sent, "the assistant's answer, sent once")
	})
}
