package app_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/sandbox"
)

// A flow asks with a list message, waits for the answer and routes on the
// row the customer picks, end to end on both databases: the sandbox
// receives the list body Meta documents (written out by hand here), a
// simulated customer picks a row (a row the list lacks is refused and the
// run keeps waiting), the pick is stored as a list_reply linked to the
// list it answers (its context), and the run takes that row's branch
// with its title and description.
func TestFlowRoutesOnAPickedListRow(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		createFlow(t, env, map[string]any{"name": "booking", "enabled": true,
			"trigger": map[string]any{"type": "whatsapp.message_received", "contains": "horário"},
			"steps": []any{
				map[string]any{"id": "ask", "type": "send_interactive", "text": "Qual horário prefere, {{trigger.customer_name}}?",
					"footer": "Clínica Acme", "button": "Ver horários", "sections": []any{
						map[string]any{"title": "Manhã", "rows": []any{
							map[string]any{"id": "9h", "title": "09:00", "description": "Dra. Beatriz"},
							map[string]any{"id": "10h", "title": "10:00"}}},
						map[string]any{"title": "Tarde", "rows": []any{
							map[string]any{"id": "15h", "title": "15:00", "description": "Dr. Carlos"}}}}},
				map[string]any{"id": "answer", "type": "wait_for_reply", "timeout": "1h"},
				map[string]any{"id": "route", "type": "branch",
					"branches": []any{map[string]any{"when": `steps.answer.reply.id == "15h"`, "steps": []any{
						map[string]any{"id": "afternoon", "type": "send_text",
							"text": "Tarde: {{steps.answer.reply.title}} com {{steps.answer.reply.description}}."}}}},
					"else": []any{map[string]any{"id": "morning", "type": "send_text", "text": "Manhã: {{steps.answer.reply.title}}."}}},
			}})
		sb := env.App.Sandbox
		sent := func(waID, typ string) []sandbox.SentMessage {
			var out []sandbox.SentMessage
			for _, m := range sb.Sent() {
				if m.WaID == waID && m.Type == typ {
					out = append(out, m)
				}
			}
			return out
		}
		body := func(m sandbox.SentMessage) string {
			var b map[string]any
			require.NoError(t, json.Unmarshal(m.Payload, &b))
			delete(b, "biz_opaque_callback_data")
			out, err := json.Marshal(b)
			require.NoError(t, err)
			return string(out)
		}
		converse := func(customer, name, row string) (followUp string) {
			t.Helper()
			waID := customer[1:]
			_, err := sb.CustomerWrites(phone1, customer, name, "tem horário amanhã?")
			require.NoError(t, err)
			waitUntil(t, func() bool { return len(sent(waID, "interactive")) == 1 }, "the list to %s", customer)
			list := sent(waID, "interactive")[0]
			require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"`+customer+`","type":"interactive",
				"interactive":{"type":"list","body":{"text":"Qual horário prefere, `+name+`?"},"footer":{"text":"Clínica Acme"},
				"action":{"button":"Ver horários","sections":[
					{"title":"Manhã","rows":[{"id":"9h","title":"09:00","description":"Dra. Beatriz"},{"id":"10h","title":"10:00"}]},
					{"title":"Tarde","rows":[{"id":"15h","title":"15:00","description":"Dr. Carlos"}]}]}}}`, body(list))

			var runs struct{ Runs []flow.Run }
			waitUntil(t, func() bool {
				require.Equal(t, 200, env.Do("GET", "/api/v1/runs?status=waiting", nil, &runs))
				for _, r := range runs.Runs {
					if r.WaitingStep == "answer" {
						return true
					}
				}
				return false
			}, "the run waits for %s's answer", customer)
			_, err = sb.CustomerPicks(phone1, customer, name, sandbox.Pick{RowID: "16h"})
			require.ErrorIs(t, err, sandbox.ErrUnknownChoice, "16h is not a row of the list")
			pick, err := sb.CustomerPicks(phone1, customer, name, sandbox.Pick{RowID: row})
			require.NoError(t, err)
			waitUntil(t, func() bool { return len(sent(waID, "text")) == 1 }, "the follow-up to %s", customer)
			// The pick is stored as the list_reply it is, answering the list.
			require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = ? AND direction = 'in' AND type = 'interactive'
				AND content LIKE '%"list_reply"%'`, pick))
			require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = ?
				AND reply_to_message_id = (SELECT id FROM messages WHERE wamid = ?)`, pick, list.WAMID), "the pick answers the list")
			time.Sleep(200 * time.Millisecond)
			texts := sent(waID, "text")
			require.Len(t, texts, 1, "one branch, one follow-up")
			return texts[0].Text
		}
		require.Equal(t, "Tarde: 15:00 com Dr. Carlos.", converse("+5511933334444", "Ana", "15h"))
		require.Equal(t, "Manhã: 10:00.", converse("+5511933335555", "Bruno", "10h"))

		var runs struct{ Runs []flow.Run }
		require.Equal(t, 200, env.Do("GET", "/api/v1/runs", nil, &runs))
		require.Len(t, runs.Runs, 2)
		for _, r := range runs.Runs {
			run := waitRun(t, env, r.ID, flow.StatusCompleted)
			var answer map[string]any
			for _, st := range run.Steps {
				if st.Step == "answer" {
					answer = st.Output
				}
			}
			require.Contains(t, []any{"15h", "10h"}, answer["reply"].(map[string]any)["id"], stepsOf(run))
			require.Equal(t, "list_reply", answer["reply"].(map[string]any)["type"])
		}
	})
}
