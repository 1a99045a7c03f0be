package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store"
)

// TestSettingsNeedThePermission shows an agent without the manage
// settings permission gets 403 on every settings page and save, and
// nothing changes; granted the permission, the same agent may open them.
func TestSettingsNeedThePermission(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "bia@example.com", "agent")
		b := newBrowser(t, env)
		status, _, _ := b.login("bia@example.com", "correct horse battery")
		require.Equal(t, http.StatusSeeOther, status)

		_, _, body := b.do(http.MethodGet, "/inbox", nil, nil)
		require.NotContains(t, body, `href="/settings"`, "the nav hides what the agent may not open")
		for _, p := range []string{"/settings", "/settings/ai", "/settings/assistant", "/settings/stop-bot", "/settings/opt-out",
			"/settings/sound", "/settings/support-agents", "/settings/prompts"} {
			status, _, _ := b.do(http.MethodGet, p, nil, nil)
			require.Equal(t, http.StatusForbidden, status, p)
		}
		posts := map[string]url.Values{
			"/settings/ai":             {"enabled": {"on"}, "api_key": {"sk-agent-key-0000"}, "model": {"gpt-4o"}, "timeout_seconds": {"30"}, "temperature": {"0.3"}},
			"/settings/assistant":      {"assistant_id": {"0"}, "assistant_footer_message": {"x"}, "assistant_message_delay": {"1"}, "handover_minutes": {"1"}},
			"/settings/stop-bot":       {"stop_keywords": {"oi"}, "restart_after_hours": {"1"}},
			"/settings/opt-out":        {"keywords": {"oi"}},
			"/settings/sound":          {},
			"/settings/support-agents": {"restrict_to_assigned": {"on"}, "auto_assign": {"on"}},
			"/settings/prompts":        {"name": {"x"}, "prompt": {"y"}},
		}
		prompts := env.Count(`SELECT COUNT(*) FROM ai_prompts`)
		for p, form := range posts {
			status, _, _ := b.do(http.MethodPost, p, form, nil)
			require.Equal(t, http.StatusForbidden, status, p)
		}
		status, _, _ = b.do(http.MethodPost, "/settings/prompts/1/delete", url.Values{}, nil)
		require.Equal(t, http.StatusForbidden, status)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings`), "no section was written")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings_audit`))
		require.Equal(t, prompts, env.Count(`SELECT COUNT(*) FROM ai_prompts`))

		ctx := context.Background()
		require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE users SET permissions = '["manage_settings"]' WHERE email = 'bia@example.com'`)
			return err
		}))
		status, _, body = b.do(http.MethodGet, "/settings", nil, nil)
		require.Equal(t, http.StatusOK, status, "an agent granted the permission may open the settings")
		require.Contains(t, body, `href="/settings/support-agents"`)
	})
}

// TestSettingsPagesNeedASessionAndSameOriginPosts shows the pages send a
// visitor without a session to the login page, and a cross-site post is
// refused before it reaches the form.
func TestSettingsPagesNeedASessionAndSameOriginPosts(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		anon := newBrowser(t, env)
		status, h, _ := anon.do(http.MethodGet, "/settings/ai", nil, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/login?next=%2Fsettings%2Fai", h.Get("Location"))

		b := settingsAdmin(t, env, "ana@example.com")
		status, _, _ = b.do(http.MethodPost, "/settings/support-agents", url.Values{"auto_assign": {"on"}},
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": ""})
		require.Equal(t, http.StatusForbidden, status)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings`))
	})
}
