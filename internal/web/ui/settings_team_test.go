package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestSoundAndSupportAgentsPanelsSave switches the team's sound default
// off and both support agent switches on; the services read the new
// values at once, and each panel shows its own audit line.
func TestSoundAndSupportAgentsPanelsSave(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		b := settingsAdmin(t, env, "ana@example.com")

		_, _, body := b.do(http.MethodGet, "/settings/sound", nil, map[string]string{"Accept-Language": "pt-BR"})
		require.Contains(t, body, "Som de notificação", "Portuguese for a Portuguese browser")
		require.Contains(t, body, "Salvar alterações")
		_, _, body = b.do(http.MethodGet, "/settings/sound", nil, nil)
		require.Contains(t, body, `name="sound_default" value="on" checked`, "on by default")
		require.Contains(t, body, "account page", "says each user can override it")
		body = b.saveSettings("/settings/sound", url.Values{})
		require.Contains(t, body, "sound_default: true → false")
		n, err := agent.Notifications(ctx, env.App.Settings, nil)
		require.NoError(t, err)
		require.False(t, n.SoundDefault)
		require.False(t, agent.User{}.SoundOn(n), "a user who never chose follows the new default")

		_, _, body = b.do(http.MethodGet, "/settings/support-agents", nil, nil)
		require.NotContains(t, body, "checked")
		body = b.saveSettings("/settings/support-agents", url.Values{"restrict_to_assigned": {"on"}, "auto_assign": {"on"}})
		require.Contains(t, body, `name="restrict_to_assigned" value="on" checked`)
		require.Contains(t, body, "auto_assign: false → true")
		require.NotContains(t, body, "sound_default", "each panel shows its own audit lines")
		s, err := agent.SupportAgents(ctx, env.App.Settings, nil)
		require.NoError(t, err)
		require.Equal(t, agent.SupportAgentsSettings{RestrictToAssigned: true, AutoAssign: true}, s)

		b.saveSettings("/settings/support-agents", url.Values{"auto_assign": {"on"}})
		s, err = agent.SupportAgents(ctx, env.App.Settings, nil)
		require.NoError(t, err)
		require.False(t, s.RestrictToAssigned, "an unticked box switches it off")
		require.Equal(t, 3, env.Count(`SELECT COUNT(*) FROM settings_audit`))
	})
}
