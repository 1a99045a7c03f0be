package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/campaign"
)

// TestAPICampaign runs a campaign end to end against the sandbox: draft,
// CSV audience, preview, start refused before the test send, test,
// start, and every recipient sent exactly once by the River runner.
func TestAPICampaign(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		// The preview reads the template: wait for the sandbox account's
		// first template sync, which runs at start.
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM templates`) > 0 }, "templates synced")
		senderID := env.Count(`SELECT MIN(id) FROM senders`)
		body := fmt.Sprintf(`{"name":"Entregas","sender_ids":[%d],"template":{"name":"delivery_update","language":"pt_BR"},
			"mapping":{"customer_name":{"from":"csv.nome","default":"cliente"},"order_id":{"from":"csv.pedido"}},
			"audience":{"kind":"csv"},"pause":{"quality":"RED","offline":true,"error_share":0.5}}`, senderID)
		status, raw := call(t, env, env.APIKey, http.MethodPost, "/api/v1/campaigns", body)
		require.Equal(t, http.StatusCreated, status, raw)
		var c campaign.Campaign
		require.NoError(t, json.Unmarshal([]byte(raw), &c))
		base := "/api/v1/campaigns/" + strconv.FormatInt(c.ID, 10)

		var csv strings.Builder
		csv.WriteString("phone,nome,pedido\n")
		for i := 1; i <= 30; i++ {
			fmt.Fprintf(&csv, "+55119%08d,Cliente %d,#%d\n", 20000000+i, i, i)
		}
		csv.WriteString("+5511920000031,Sem pedido,\n") // missing order_id
		status, raw = call(t, env, env.APIKey, http.MethodPut, base+"/audience/csv", csv.String())
		require.Equal(t, http.StatusOK, status, raw)

		var p campaign.Preview
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, base+"/audience/preview", nil, &p))
		require.Equal(t, 31, p.Total)
		require.Equal(t, 30, p.WillSend)
		require.Equal(t, 1, p.Skipped["missing_variable"])

		doError(t, env, http.MethodPost, base+"/start", "", http.StatusConflict, "test_send_required")
		doError(t, env, http.MethodPost, base+"/test", `{"to":"abc"}`, http.StatusUnprocessableEntity, "invalid_phone")
		var tr campaign.TestResult
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, base+"/test", map[string]string{"to": "+5511920000001"}, &tr))
		require.Equal(t, map[string]string{"customer_name": "Cliente 1", "order_id": "#1"}, tr.Variables)
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, base+"/start", nil, &c))
		require.Contains(t, []string{campaign.StatusRunning, campaign.StatusCompleted}, c.Status)

		env.Eventually(func() bool {
			var v struct {
				Status string `json:"status"`
			}
			env.Do(http.MethodGet, base, nil, &v)
			return v.Status == campaign.StatusCompleted
		}, "the campaign completes")
		require.Equal(t, 30, env.Count(`SELECT COUNT(*) FROM messages WHERE source = ?`, fmt.Sprintf("campaign:%d", c.ID)))
		require.Equal(t, 30, env.Count(`SELECT COUNT(DISTINCT conversation_id) FROM messages WHERE source = ?`, fmt.Sprintf("campaign:%d", c.ID)))

		var page struct {
			Recipients []campaign.Recipient `json:"recipients"`
		}
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, base+"/recipients?state=skipped", nil, &page))
		require.Len(t, page.Recipients, 1)
		require.Equal(t, "missing_variable", page.Recipients[0].SkipReason)
		status, raw = call(t, env, env.APIKey, http.MethodGet, base+"/recipients.csv", "")
		require.Equal(t, http.StatusOK, status)
		require.Len(t, strings.Split(strings.TrimSpace(raw), "\n"), 32)
		// Starting it is in the audit log, with who did it.
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM settings_audit a JOIN users u ON u.id = a.user_id
			WHERE a.section = 'campaigns' AND a.summary = ? AND u.email = 'test-admin@zapflow.local'`, fmt.Sprintf("started campaign %q (#%d)", "Entregas", c.ID)))
		doError(t, env, http.MethodPut, base, body, http.StatusConflict, "campaign_not_draft")
		doError(t, env, http.MethodPost, "/api/v1/campaigns", `{"name":""}`, http.StatusUnprocessableEntity, "invalid_request")

		// manage_settings is needed for all of it.
		_, key := agentWithKey(t, env, "ana@example.com")
		for _, rt := range [][3]string{
			{http.MethodGet, "/api/v1/campaigns", ""},
			{http.MethodPost, "/api/v1/campaigns", body},
			{http.MethodGet, base, ""},
			{http.MethodPost, base + "/pause", ""},
			{http.MethodGet, base + "/recipients.csv", ""},
		} {
			status, raw := call(t, env, key, rt[0], rt[1], rt[2])
			requireError(t, http.StatusForbidden, "forbidden", status, raw)
		}
	})
}
