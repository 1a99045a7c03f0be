package web_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/campaign"
)

// TestAPICampaignSettings: the send share reads 0.8 until changed, a PUT
// saves it (and the audit records it), a share of 0 or above 1 is refused
// on its field, and both calls need manage_settings.
func TestAPICampaignSettings(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		var v campaign.Settings
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/settings/campaigns", nil, &v))
		require.Equal(t, campaign.DefaultShare, v.SendShare)
		require.Equal(t, http.StatusOK, env.Do(http.MethodPut, "/api/v1/settings/campaigns", map[string]any{"send_share": 0.5}, &v))
		require.Equal(t, 0.5, v.SendShare)
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/settings/campaigns", nil, &v))
		require.Equal(t, 0.5, v.SendShare)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM settings_audit WHERE section = ?`, campaign.SettingsKey))
		for _, body := range []string{`{"send_share":0}`, `{"send_share":1.5}`, `{"send_share":-0.2}`} {
			e := doError(t, env, http.MethodPut, "/api/v1/settings/campaigns", body, http.StatusUnprocessableEntity, "invalid_request")
			require.Equal(t, "send_share", e.Error.Field, body)
		}
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/settings/campaigns", nil, &v))
		require.Equal(t, 0.5, v.SendShare, "a refused change saves nothing")

		_, key := agentWithKey(t, env, "ana@example.com")
		status, raw := call(t, env, key, http.MethodGet, "/api/v1/settings/campaigns", "")
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		status, raw = call(t, env, key, http.MethodPut, "/api/v1/settings/campaigns", `{"send_share":0.9}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
	})
}
