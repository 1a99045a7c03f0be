package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/flow"
)

// conversationOwnerOf reads GET /api/v1/conversations/{id}'s owner.
type ownerBody struct {
	Owner struct {
		Answering string                `json:"answering"`
		Run       *flow.ConversationRun `json:"run"`
		Bot       ai.BotState           `json:"bot"`
	} `json:"owner"`
}

func ownerOf(t *testing.T, env *apptest.Env, convID int64) ownerBody {
	t.Helper()
	var o ownerBody
	require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations/"+idStr(convID), nil, &o))
	return o
}

// With the sandbox defaults (assistant on) and the lead qualification
// example enabled, one bot answers at a time: the flow asks its questions
// and the assistant stays quiet while the run waits for the customer, as
// GET /conversations/{id} shows. A stop keyword then stops every bot: the
// waiting run ends cancelled with the reason and message triggers start
// nothing there, while an event-triggered notification still goes.
func TestOneBotAnswersAndStopStopsEveryBot(t *testing.T) {
	withAssistant := func(c *config.Config) { c.SandboxAssistant = true }
	each(t, []apptest.Option{withAssistant}, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		require.Equal(t, http.StatusOK, env.Do(http.MethodPut, "/api/v1/settings/assistant", map[string]any{"assistant_message_delay": 0}, nil))
		var list struct{ Flows []flow.Record }
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/flows", nil, &list))
		for _, f := range list.Flows {
			if f.Name == "Lead qualification" {
				require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/flows/"+idStr(f.ID)+"/enable", nil, nil))
			}
		}
		price := createFlow(t, env, map[string]any{"name": "price", "enabled": true,
			"trigger": map[string]any{"type": "whatsapp.message_received", "contains": "preço"},
			"steps":   []any{map[string]any{"id": "say", "type": "send_text", "text": "Nossos preços: …"}}})
		createFlow(t, env, map[string]any{"name": "reminder", "enabled": true,
			"trigger": map[string]any{"type": "event", "event": "reminder.due"},
			"steps": []any{map[string]any{"id": "remind", "type": "send_template", "sender": phone1, "to": "{{trigger.customer_phone}}",
				"template":  map[string]any{"name": "appointment_confirmation", "language": "pt_BR"},
				"variables": map[string]string{"1": "Ana", "2": "Dra. Beatriz", "3": "12/03 às 14h", "4": "Av. Paulista, 1000"}}}})

		const customer = "+5511955554444"
		texts := func() []string {
			var out []string
			for _, m := range env.App.Sandbox.Sent() {
				if m.WaID == strings.TrimPrefix(customer, "+") && m.Type == "text" {
					out = append(out, m.Text)
				}
			}
			return out
		}
		replyJobsDone := func() int {
			return env.Count(`SELECT COUNT(*) FROM river_job WHERE kind = 'ai_assistant_reply' AND state = 'completed'`)
		}

		customerWrites(t, env, phone1, customer, "oi")
		convID := conversationOf(t, env, customer)
		env.Eventually(func() bool { return replyJobsDone() == 1 }, "the assistant's reply job ran")
		// The run owns the conversation from its start: while its question
		// is being sent (step ask_name), and then while it waits for the name.
		env.Eventually(func() bool {
			o := ownerOf(t, env, convID).Owner
			return o.Answering == "flow" && o.Run != nil && o.Run.Step == "name"
		}, "the run waits for the customer's name")
		o := ownerOf(t, env, convID)
		require.Equal(t, "Lead qualification", o.Owner.Run.FlowName)
		require.Len(t, texts(), 1, "only the flow answered: %q", texts())
		require.Contains(t, texts()[0], "qual é o seu nome")

		customerWrites(t, env, phone1, customer, "Bia")
		env.Eventually(func() bool { return len(texts()) == 2 }, "the flow's second question")
		require.Contains(t, texts()[1], "Prazer, Bia!")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM river_job WHERE kind = 'ai_assistant_reply'`), "no reply job while the run waits")
		runID := o.Owner.Run.ID
		env.Eventually(func() bool { return ownerOf(t, env, convID).Owner.Answering == "flow" }, "the run waits again")

		customerWrites(t, env, phone1, customer, "parar")
		run := waitRun(t, env, runID, flow.StatusCancelled)
		require.Contains(t, run.Reason, "the customer asked the bot to stop")
		o = ownerOf(t, env, convID)
		require.Equal(t, "nobody", o.Owner.Answering)
		require.True(t, o.Owner.Bot.Paused)
		require.Nil(t, o.Owner.Run)

		customerWrites(t, env, phone1, customer, "qual o preço?")
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND direction = 'in'`, convID) == 4
		}, "the message is stored")
		// Runs start in the message's own transaction: none can come later.
		require.Equal(t, 0, env.Count(`SELECT COUNT(*) FROM flow_runs WHERE flow_id = ?`, price.ID), "a paused conversation starts no runs")
		require.Len(t, texts(), 2)

		var res flow.EventResult
		require.Equal(t, http.StatusAccepted, env.Do(http.MethodPost, "/api/v1/events",
			map[string]any{"type": "reminder.due", "data": map[string]any{"customer_phone": customer}}, &res))
		waitRun(t, env, res.RunIDs[0], flow.StatusCompleted)
		require.Len(t, sentTemplates(env.App.Sandbox, "appointment_confirmation"), 1, "event-triggered notifications still go")

		// Elsewhere the message flow answers as ever.
		customerWrites(t, env, phone1, "+5511955553333", "qual o preço?")
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM flow_runs WHERE flow_id = ?`, price.ID) == 1
		}, "the message flow runs in another conversation")
	})
}
