package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/config"
)

// F25 out of the box: on the sandbox's first start the WhatsApp assistant
// is on, so "oi" gets the sandbox model's reply with the footer, and after
// "stop" nothing more comes.
func TestSandboxAssistantAnswersOutOfTheBox(t *testing.T) {
	withAssistant := func(c *config.Config) { c.SandboxAssistant = true }
	each(t, []apptest.Option{withAssistant}, func(t *testing.T, env *apptest.Env) {
		var st ai.AssistantSettings
		require.Equal(t, http.StatusOK, env.Do("GET", "/api/v1/settings/assistant", nil, &st))
		require.True(t, st.Enabled)
		require.Equal(t, ai.SandboxFooter, st.Footer)

		const customer = "+5511944443333"
		to := strings.TrimPrefix(customer, "+")
		replies := func() []string {
			var out []string
			for _, m := range env.App.Sandbox.Sent() {
				if m.WaID == to {
					out = append(out, m.Text)
				}
			}
			return out
		}
		customerWrites(t, env, "100000000000011", customer, "oi")
		env.Eventually(func() bool { return len(replies()) == 1 }, "the assistant answers")
		require.True(t, strings.HasPrefix(replies()[0], "[sandbox]"), replies()[0])
		require.True(t, strings.HasSuffix(replies()[0], ai.SandboxFooter), replies()[0])

		convID := conversationOf(t, env, customer)
		customerWrites(t, env, "100000000000011", customer, "stop")
		var bot ai.BotState
		env.Eventually(func() bool {
			return env.Do("GET", "/api/v1/conversations/"+idStr(convID)+"/bot", nil, &bot) == http.StatusOK && bot.Paused
		}, "stop pauses the bot")
		customerWrites(t, env, "100000000000011", customer, "ainda aí?")
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND direction = 'in'`, convID) == 3
		}, "the last message is stored")
		// A reply job commits with its message, so none can come later.
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM river_job WHERE kind = 'ai_assistant_reply'`), "only the first message got a reply job")
		require.Len(t, replies(), 1, "nothing more after stop")
	})
}
