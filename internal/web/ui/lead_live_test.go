package ui_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/live"
)

// TestAutoLeadTellsTheAgentLive: with auto lead giving new leads to an
// agent, that agent's open event stream gets a lead_assigned event naming
// them, on the chat the message came in.
func TestAutoLeadTellsTheAgentLive(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		addUser(t, env, "bia@example.com", "agent")
		var bia int64
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT id FROM users WHERE email = 'bia@example.com'`).Scan(&bia))
		named := lead.AgentNamed
		on := true
		_, err := env.App.Leads.UpdateAutoSettings(ctx, lead.AutoSettingsInput{Enabled: &on, Agent: &named, AgentID: &bia})
		require.NoError(t, err)

		b := newBrowser(t, env)
		b.login("bia@example.com", "correct horse battery")
		s := b.openStream("/events", nil)
		conv := settingsCustomerWrites(t, env, "+5511987651234", "Quero um orçamento")
		for {
			ev := s.next()
			if ev.Kind != live.KindLeadAssigned {
				continue
			}
			require.Equal(t, bia, ev.Data.UserID)
			require.Equal(t, conv, ev.Data.ConversationID)
			return
		}
	})
}
