package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestStopBotKeywordsApplyAtOnce saves a new stop keyword on the stop bot
// page (as the tags widget posts it: one per line) and the very next
// customer message containing it pauses the bot, for the saved number of
// hours; the page shows "Saved" and an audit line naming the user.
func TestStopBotKeywordsApplyAtOnce(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		b := settingsAdmin(t, env, "ana@example.com")
		conv := settingsCustomerWrites(t, env, "+5511988880001", "quero cancelar o pedido")
		st, err := env.App.AI.BotState(ctx, conv)
		require.NoError(t, err)
		require.False(t, st.Paused, "cancelar is no stop keyword yet")

		status, _, body := b.do(http.MethodGet, "/settings/stop-bot", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "data-tags")
		require.Contains(t, body, "No changes yet")

		body = b.saveSettings("/settings/stop-bot", url.Values{"stop_keywords": {"stop\r\nparar\r\n\r\ncancelar"}, "restart_after_hours": {"4"}})
		require.Contains(t, body, "Agent ana@example.com", "the audit line names the user")
		require.Contains(t, body, "stop_keywords: stop, parar → stop, parar, cancelar")
		require.Contains(t, body, "restart_after_hours: 0 → 4")

		settingsCustomerWrites(t, env, "+5511988880001", "Cancelar, por favor")
		st, err = env.App.AI.BotState(ctx, conv)
		require.NoError(t, err)
		require.True(t, st.Paused, "the new keyword applies to the next message")
		require.Contains(t, st.Reason, "cancelar")
		require.False(t, st.PausedUntil.IsZero(), "restart after 4 hours applies too")
	})
}

// TestAssistantSettingsRefuseBadInputAndSaveNothing shows an empty
// footer, a negative delay and a non-number each re-render the page with
// the error next to the field and the user's other input kept, and save
// nothing; a valid save applies.
func TestAssistantSettingsRefuseBadInputAndSaveNothing(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		b := settingsAdmin(t, env, "ana@example.com")
		form := func(footer, delay string) url.Values {
			return url.Values{"assistant_id": {"0"}, "assistant_footer_message": {footer}, "assistant_message_delay": {delay},
				"stop_assistant_keyword": {"humano"}, "handover_minutes": {"30"}}
		}

		status, _, body := b.do(http.MethodPost, "/settings/assistant", form("", "5"), nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-assistant_footer_message"`)
		require.Contains(t, body, `value="5"`, "the delay typed is kept")

		status, _, body = b.do(http.MethodPost, "/settings/assistant", form("Meu rodapé", "-1"), nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-assistant_message_delay"`)
		require.Contains(t, body, "assistant_message_delay must be from 0 to 600 seconds", "the service's own rule and message")
		require.Contains(t, body, "Meu rodapé", "the footer typed is kept")
		require.Contains(t, body, "humano")

		status, _, body = b.do(http.MethodPost, "/settings/assistant", form("Meu rodapé", "soon"), nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-assistant_message_delay"`)
		require.Contains(t, body, "Enter a whole number.")

		status, _, body = b.do(http.MethodPost, "/settings/assistant", url.Values{"enabled": {"on"}, "assistant_id": {"0"},
			"assistant_footer_message": {"Rodapé"}, "assistant_message_delay": {"2"}, "handover_minutes": {"0"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-assistant_id"`, "enabling needs an assistant")

		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings WHERE key = 'assistant'`), "nothing saved")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings_audit`))

		b.saveSettings("/settings/assistant", form("Resposta automática", "7"))
		st, err := env.App.AI.AssistantSettings(ctx)
		require.NoError(t, err)
		require.Equal(t, "Resposta automática", st.Footer)
		require.Equal(t, 7, st.DelaySeconds)
		require.Equal(t, 30, st.HandoverMinutes)
		require.Equal(t, []string{"humano"}, st.StopKeywords)
	})
}

// TestOptOutKeywordsApplyAtOnce saves a new opt-out keyword and the next
// customer who sends it is opted out; a keyword without letters is
// refused next to the field.
func TestOptOutKeywordsApplyAtOnce(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b := settingsAdmin(t, env, "ana@example.com")
		status, _, body := b.do(http.MethodPost, "/settings/opt-out", url.Values{"keywords": {"SAIR\n!!!"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-keywords"`)
		require.Contains(t, body, "!!!", "the input is kept")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings WHERE key = 'opt_out'`))

		body = b.saveSettings("/settings/opt-out", url.Values{"keywords": {"SAIR\nDESCADASTRAR"}})
		require.Contains(t, body, "DESCADASTRAR")
		settingsCustomerWrites(t, env, "+5511988880002", "descadastrar")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM contacts WHERE opted_out = ?`, true), "the new keyword opted the customer out")
	})
}
