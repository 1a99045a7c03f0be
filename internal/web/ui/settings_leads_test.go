package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/lead"
)

// TestLeadSettingsPanel saves the auto lead panel: a missing status is
// refused next to its field with nothing saved; a valid save applies at
// once (the next customer becomes a lead with those defaults) and shows
// its audit line; an agent without manage_settings gets 403.
func TestLeadSettingsPanel(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		b := settingsAdmin(t, env, "ana@example.com")
		addUser(t, env, "bia@example.com", "agent")
		var bia int64
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT id FROM users WHERE email = 'bia@example.com'`).Scan(&bia))
		biaID := strconv.FormatInt(bia, 10)

		status, _, body := b.do(http.MethodGet, "/settings/leads", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Auto lead")
		require.Contains(t, body, `<option value="new" selected>New</option>`)
		require.Contains(t, body, `<option value="1" selected>WhatsApp</option>`)
		require.Contains(t, body, `<option value="unassigned" selected>Unassigned</option>`)
		require.Contains(t, body, `<option value="`+biaID+`">`, "each active user is offered")
		require.Contains(t, body, `<option value="round_robin">`)
		require.NotContains(t, body, `value="closed"`, "a new lead cannot start closed")
		_, _, body = b.do(http.MethodGet, "/settings/leads", nil, map[string]string{"Accept-Language": "pt-BR"})
		require.Contains(t, body, "Lead automático")
		require.Contains(t, body, "Salvar alterações")

		// Refused: the error sits next to its field, the input is kept.
		status, _, body = b.do(http.MethodPost, "/settings/leads", url.Values{"enabled": {"on"}, "default_status": {""},
			"source_id": {"2"}, "agent": {biaID}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-default_status">Choose the status new leads start in.`)
		require.Contains(t, body, `<option value="2" selected>Facebook</option>`)
		require.Contains(t, body, `<option value="`+biaID+`" selected>`)
		status, _, body = b.do(http.MethodPost, "/settings/leads", url.Values{"enabled": {"on"}, "default_status": {"new"},
			"source_id": {"1"}, "agent": {"999999"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-agent">Choose an active agent.`)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings WHERE key = ?`, lead.KeyAutoLead), "nothing saved")

		body = b.saveSettings("/settings/leads", url.Values{"enabled": {"on"}, "default_status": {"contacted"}, "source_id": {"2"}, "agent": {biaID}})
		require.Contains(t, body, "enabled: false → true")
		require.Contains(t, body, "source: WhatsApp → Facebook", "the audit names the source")
		require.Contains(t, body, "agent: unassigned → Agent bia@example.com", "and the agent")
		require.Contains(t, body, `<option value="contacted" selected>`)
		s, err := env.App.Leads.AutoSettings(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, lead.AutoSettings{Enabled: true, Status: lead.StatusContacted, SourceID: 2, Agent: lead.AgentNamed, AgentID: bia}, s)

		// Applied at once: the next new customer is a lead with these.
		settingsCustomerWrites(t, env, "+5511987650001", "Oi")
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM leads`) == 1 }, "the auto lead")
		page, err := env.App.Leads.List(ctx, lead.Filter{})
		require.NoError(t, err)
		require.Equal(t, lead.StatusContacted, page.Leads[0].Status)
		require.Equal(t, "Facebook", page.Leads[0].SourceName)
		require.Equal(t, bia, page.Leads[0].AgentID)

		body = b.saveSettings("/settings/leads", url.Values{"default_status": {"new"}, "source_id": {"1"}, "agent": {"round_robin"}})
		require.Contains(t, body, `<option value="round_robin" selected>`)
		s, err = env.App.Leads.AutoSettings(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, lead.AutoSettings{Status: lead.StatusNew, SourceID: 1, Agent: lead.AgentRoundRobin}, s)

		agentB := newBrowser(t, env)
		status, _, _ = agentB.login("bia@example.com", "correct horse battery")
		require.Equal(t, http.StatusSeeOther, status)
		status, _, _ = agentB.do(http.MethodGet, "/settings/leads", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		status, _, _ = agentB.do(http.MethodPost, "/settings/leads", url.Values{"enabled": {"on"}, "default_status": {"new"}, "source_id": {"1"}, "agent": {"unassigned"}}, nil)
		require.Equal(t, http.StatusForbidden, status)
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM settings_audit WHERE section = ?`, lead.KeyAutoLead))
	})
}
