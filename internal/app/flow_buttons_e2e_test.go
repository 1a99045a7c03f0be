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

// A flow sends a document and a question with reply buttons, waits for
// the answer and routes on the button the customer taps, end to end on
// both databases: the sandbox receives the Cloud API bodies Meta
// documents (written out by hand here, not produced by our encoder), a
// simulated customer taps a button, and the run takes that button's
// branch and sends its follow-up.
func TestFlowRoutesOnATappedButton(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		createFlow(t, env, map[string]any{"name": "order check", "enabled": true,
			"trigger": map[string]any{"type": "whatsapp.message_received", "contains": "pedido"},
			"steps": []any{
				map[string]any{"id": "receipt", "type": "send_media", "media": "document", "link": "https://example.com/recibo.pdf",
					"caption": "Seu recibo", "filename": "recibo-{{lower(trigger.customer_name)}}.pdf"},
				map[string]any{"id": "ask", "type": "send_interactive", "text": "Tudo certo com o pedido, {{trigger.customer_name}}?",
					"footer": "Loja Acme", "buttons": []any{
						map[string]any{"id": "ok", "title": "Tudo certo"},
						map[string]any{"id": "help", "title": "Preciso de ajuda"}}},
				map[string]any{"id": "answer", "type": "wait_for_reply", "timeout": "1h"},
				map[string]any{"id": "route", "type": "branch",
					"branches": []any{map[string]any{"when": `steps.answer.reply.id == "help"`, "steps": []any{
						map[string]any{"id": "helping", "type": "send_text", "text": "Um atendente já vai falar com você ({{steps.answer.reply.title}})."}}}},
					"else": []any{map[string]any{"id": "thanks", "type": "send_text", "text": "Que bom! Obrigado."}}},
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
		converse := func(customer, name string, tap sandbox.Tap) (followUp string) {
			t.Helper()
			waID := customer[1:]
			_, err := sb.CustomerWrites(phone1, customer, name, "cadê meu pedido?")
			require.NoError(t, err)
			waitUntil(t, func() bool { return len(sent(waID, "interactive")) == 1 }, "the question to %s", customer)
			head := `"messaging_product":"whatsapp","recipient_type":"individual","to":"` + customer + `"`
			docs := sent(waID, "document")
			require.Len(t, docs, 1, "the receipt went first")
			require.JSONEq(t, `{`+head+`,"type":"document","document":{"link":"https://example.com/recibo.pdf","caption":"Seu recibo","filename":"recibo-`+lowerASCII(name)+`.pdf"}}`, body(docs[0]))
			require.JSONEq(t, `{`+head+`,"type":"interactive","interactive":{"type":"button",
				"body":{"text":"Tudo certo com o pedido, `+name+`?"},"footer":{"text":"Loja Acme"},
				"action":{"buttons":[{"type":"reply","reply":{"id":"ok","title":"Tudo certo"}},{"type":"reply","reply":{"id":"help","title":"Preciso de ajuda"}}]}}}`,
				body(sent(waID, "interactive")[0]))

			// The run waits for the answer before the customer taps.
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
			_, err = sb.CustomerTaps(phone1, customer, name, tap)
			require.NoError(t, err)
			waitUntil(t, func() bool { return len(sent(waID, "text")) == 1 }, "the follow-up to %s", customer)
			time.Sleep(200 * time.Millisecond)
			texts := sent(waID, "text")
			require.Len(t, texts, 1, "one branch, one follow-up")
			return texts[0].Text
		}
		require.Equal(t, "Um atendente já vai falar com você (Preciso de ajuda).",
			converse("+5511933331111", "Ana", sandbox.Tap{ID: "help", Title: "Preciso de ajuda"}))
		require.Equal(t, "Que bom! Obrigado.",
			converse("+5511933332222", "Bruno", sandbox.Tap{ID: "ok", Title: "Tudo certo"}))

		var runs struct{ Runs []flow.Run }
		require.Equal(t, 200, env.Do("GET", "/api/v1/runs", nil, &runs))
		require.Len(t, runs.Runs, 2)
		for _, r := range runs.Runs {
			run := waitRun(t, env, r.ID, flow.StatusCompleted)
			last := run.Steps[len(run.Steps)-1]
			require.Contains(t, []string{"helping", "thanks"}, last.Step)
			require.Equal(t, "sent", last.Output["status"], stepsOf(run))
		}
	})
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
