package app_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// The whole assistant on the sandbox, as `zapflow serve` runs it with no
// key: a customer writes "oi" and gets the sandbox assistant's reply with
// the footer after the typing indicator; after "stop" nothing more comes.
func TestAssistantOnTheSandbox(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			env := apptest.Start(t, d)
			const senderPhoneID, customer = "100000000000011", "+5511977776666"

			var aiSettings ai.AISettingsView
			require.Equal(t, http.StatusOK, env.Do("GET", "/api/v1/settings/ai", nil, &aiSettings))
			require.True(t, aiSettings.Sandbox, "no key: the sandbox model answers")

			var asst ai.Assistant
			require.Equal(t, http.StatusCreated, env.Do("POST", "/api/v1/assistants",
				map[string]any{"name": "Clara", "system_prompt": "You are Acme's friendly assistant."}, &asst))
			var bad aiErrorBody
			require.Equal(t, http.StatusUnprocessableEntity, env.Do("PUT", "/api/v1/settings/assistant",
				map[string]any{"assistant_footer_message": ""}, &bad))
			require.Equal(t, "assistant_footer_message", bad.Error.Field)
			var as ai.AssistantSettings
			require.Equal(t, http.StatusOK, env.Do("PUT", "/api/v1/settings/assistant", map[string]any{
				"enabled": true, "assistant_id": asst.ID, "assistant_footer_message": "— Acme bot", "assistant_message_delay": 1}, &as))
			require.True(t, as.Enabled)

			customerWrites(t, env, senderPhoneID, customer, "oi")
			var reply sandbox.SentMessage
			env.Eventually(func() bool {
				for _, m := range env.App.Sandbox.Sent() {
					if m.WaID == strings.TrimPrefix(customer, "+") {
						reply = m
						return true
					}
				}
				return false
			}, "the assistant's reply reaches the customer")
			require.Equal(t, "text", reply.Type)
			require.True(t, strings.HasPrefix(reply.Text, `[sandbox] You wrote: "oi".`), reply.Text)
			require.Contains(t, reply.Text, `Instructions: "You are Acme's friendly assistant."`)
			require.True(t, strings.HasSuffix(reply.Text, "\n\n— Acme bot"), "the footer ends the reply: %q", reply.Text)
			typing := env.App.Sandbox.Typing()
			require.Len(t, typing, 1, "the typing indicator came first")
			require.Equal(t, strings.TrimPrefix(customer, "+"), typing[0].WaID)
			require.False(t, typing[0].Time.After(reply.Time))

			// "stop" pauses the bot; the next message gets nothing.
			convID := conversationOf(t, env, customer)
			customerWrites(t, env, senderPhoneID, customer, "stop")
			var st ai.BotState
			env.Eventually(func() bool {
				return env.Do("GET", "/api/v1/conversations/"+idStr(convID)+"/bot", nil, &st) == http.StatusOK && st.Paused
			}, "the bot pauses on stop")
			require.Equal(t, "customer", st.PausedBy)
			require.True(t, st.PausedUntil.IsZero(), "restart_after_hours 0 (default): until resumed by hand")

			customerWrites(t, env, senderPhoneID, customer, "oi de novo")
			env.Eventually(func() bool {
				return env.Count(`SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND direction = 'in'`, convID) == 3
			}, "the third message is stored")
			// A reply job commits with its message, so none can come later.
			require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM river_job WHERE kind = 'ai_assistant_reply'`))
			require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND direction = 'out'`, convID))

			// Resumed by hand, the bot answers again.
			require.Equal(t, http.StatusOK, env.Do("POST", "/api/v1/conversations/"+idStr(convID)+"/bot/resume", nil, &st))
			require.False(t, st.Paused)
			customerWrites(t, env, senderPhoneID, customer, "voltei")
			env.Eventually(func() bool {
				return env.Count(`SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND direction = 'out' AND source = 'assistant' AND status <> 'queued'`, convID) == 2
			}, "the second reply is sent")
		})
	}
}

// F7 and F23 over HTTP on the sandbox model.
func TestAssistantAPIOnTheSandbox(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			env := apptest.Start(t, d)
			var asst ai.Assistant
			require.Equal(t, http.StatusCreated, env.Do("POST", "/api/v1/assistants", map[string]any{
				"name": "CRM bot", "system_prompt": "Help {{name}}.", "variables": map[string]string{"name": "Ana"}}, &asst))

			var rep ai.Reply
			require.Equal(t, http.StatusOK, env.Do("POST", "/api/v1/assistants/"+idStr(asst.ID)+"/replies",
				map[string]any{"customer_id": "crm:42", "message": "hello", "variables": map[string]string{"plan": "gold"}}, &rep))
			require.Contains(t, rep.Reply, `[sandbox] You wrote: "hello".`)
			require.Contains(t, rep.Reply, `Instructions: "Help Ana. Context variables: - name: Ana - plan: gold".`)
			require.NotEmpty(t, rep.ConversationID)
			var rep2 ai.Reply
			require.Equal(t, http.StatusOK, env.Do("POST", "/api/v1/assistants/"+idStr(asst.ID)+"/replies",
				map[string]any{"customer_id": "crm:42", "message": "again"}, &rep2))
			require.Equal(t, rep.ConversationID, rep2.ConversationID)
			require.Contains(t, rep2.Reply, "Earlier messages: 2.", "the history came along")

			var bad aiErrorBody
			require.Equal(t, http.StatusUnprocessableEntity, env.Do("POST", "/api/v1/assistants/"+idStr(asst.ID)+"/replies",
				map[string]any{"customer_id": "", "message": "x"}, &bad))
			require.Equal(t, "customer_id", bad.Error.Field)

			var out ai.TransformResult
			require.Equal(t, http.StatusOK, env.Do("POST", "/api/v1/ai/transform",
				map[string]any{"action": "translate", "text": "Welcome", "target_language": "Portuguese"}, &out))
			require.Contains(t, out.Text, "[sandbox]")
			require.Contains(t, out.Text, "Portuguese")

			// A bad key is a named error with its fix, and the assistant shows it.
			require.Equal(t, http.StatusOK, env.Do("PUT", "/api/v1/settings/ai", map[string]any{
				"api_key": "sandbox-invalid-key", "base_url": env.URL + "/sandbox/openai/v1"}, nil))
			require.Equal(t, http.StatusBadGateway, env.Do("POST", "/api/v1/assistants/"+idStr(asst.ID)+"/replies",
				map[string]any{"customer_id": "crm:42", "message": "x"}, &bad))
			require.Equal(t, ai.CodeInvalidKey, bad.Error.Code)
			require.Contains(t, bad.Error.Message, ai.Troubleshooting(ai.CodeInvalidKey))
			require.Equal(t, http.StatusOK, env.Do("GET", "/api/v1/assistants/"+idStr(asst.ID), nil, &asst))
			require.NotNil(t, asst.LastError)
			require.Equal(t, ai.CodeInvalidKey, asst.LastError.Code)

			require.Equal(t, http.StatusOK, env.Do("PUT", "/api/v1/settings/ai", map[string]any{"enabled": false}, nil))
			require.Equal(t, http.StatusConflict, env.Do("POST", "/api/v1/ai/transform",
				map[string]any{"action": "simplify", "text": "x"}, &bad))
			require.Equal(t, ai.CodeDisabled, bad.Error.Code)
		})
	}
}

// aiErrorBody is the API's error answer.
type aiErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func customerWrites(t *testing.T, env *apptest.Env, to, from, text string) {
	t.Helper()
	status := env.Do("POST", "/sandbox/api/customers/messages", map[string]string{"from": from, "name": "Ana", "to": to, "text": text}, nil)
	require.Equal(t, http.StatusOK, status)
}

func conversationOf(t *testing.T, env *apptest.Env, phone string) int64 {
	t.Helper()
	var id int64
	env.Eventually(func() bool {
		err := env.App.DB.Read().QueryRow(context.Background(),
			`SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.phone = ?`, phone).Scan(&id)
		return err == nil
	}, "the conversation exists")
	return id
}
