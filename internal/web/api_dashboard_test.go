package web_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestAPIDashboardCountsTodaysTraffic has a sandbox customer write twice
// and reads today's figures; a bad date and an agent without the status
// permission are refused.
func TestAPIDashboardCountsTodaysTraffic(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		sender := env.App.Sandbox.Senders()[0].PhoneNumberID
		for _, text := range []string{"Oi", "Tem horário amanhã?"} {
			_, err := env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Cliente", text)
			require.NoError(t, err)
		}
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in'`) == 2 }, "both stored")

		status, body := call(t, env, env.APIKey, http.MethodGet, "/api/v1/dashboard", "")
		require.Equal(t, http.StatusOK, status, body)
		var d struct {
			MessagesIn int `json:"messages_in"`
			Days       []struct {
				In int `json:"messages_in"`
			} `json:"days"`
			Failures []any `json:"failures"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &d))
		require.Equal(t, 2, d.MessagesIn)
		require.Len(t, d.Days, 7, "the last week by default")
		require.Equal(t, 2, d.Days[6].In, "today is the last day")
		require.NotNil(t, d.Failures)

		status, body = call(t, env, env.APIKey, http.MethodGet, "/api/v1/dashboard?from=2025-13-01", "")
		requireError(t, http.StatusUnprocessableEntity, "invalid_query", status, body)
		status, body = call(t, env, env.APIKey, http.MethodGet, "/api/v1/dashboard?from=2025-10-02&to=2025-10-01", "")
		requireError(t, http.StatusUnprocessableEntity, "invalid_query", status, body)
		_, agentKey := agentWithKey(t, env, "ana@example.com")
		status, body = call(t, env, agentKey, http.MethodGet, "/api/v1/dashboard", "")
		requireError(t, http.StatusForbidden, "forbidden", status, body)
	})
}
