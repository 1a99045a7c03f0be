package web_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestAPIAuditLogNamesWhoChangedWhat changes a flow, a user and an API
// key through the API and finds each in the audit log with its author,
// never a password; agents may not read it.
func TestAPIAuditLogNamesWhoChangedWhat(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		status, body := call(t, env, env.APIKey, http.MethodPost, "/api/v1/flows", `{"name": "Audited", "trigger": {"type": "whatsapp.message_received"},
			"steps": [{"id": "hi", "type": "send_text", "text": "Oi"}]}`)
		require.Equal(t, http.StatusCreated, status, body)
		var fl struct {
			ID int64 `json:"id"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &fl))
		status, body = call(t, env, env.APIKey, http.MethodPost, "/api/v1/flows/"+strconv.FormatInt(fl.ID, 10)+"/enable", "")
		require.Equal(t, http.StatusOK, status, body)

		agentUser, _ := agentWithKey(t, env, "ana@example.com")
		status, body = call(t, env, env.APIKey, http.MethodPost, "/api/v1/api-keys", `{"name": "crm sync", "user_email": "ana@example.com"}`)
		require.Equal(t, http.StatusCreated, status, body)
		status, body = call(t, env, env.APIKey, http.MethodPatch, "/api/v1/users/"+strconv.FormatInt(agentUser.ID, 10),
			`{"role": "admin", "password": "a-brand-new-passw0rd"}`)
		require.Equal(t, http.StatusOK, status, body)

		type log struct {
			Entries []struct {
				Section  string `json:"section"`
				Summary  string `json:"summary"`
				UserName string `json:"user_name"`
			} `json:"entries"`
		}
		read := func(query string) log {
			status, body := call(t, env, env.APIKey, http.MethodGet, "/api/v1/audit"+query, "")
			require.Equal(t, http.StatusOK, status, body)
			require.NotContains(t, body, "a-brand-new-passw0rd")
			var l log
			require.NoError(t, json.Unmarshal([]byte(body), &l))
			return l
		}
		flows := read("?section=flows")
		require.Len(t, flows.Entries, 2)
		require.Contains(t, flows.Entries[0].Summary, `enabled flow "Audited"`)
		require.Contains(t, flows.Entries[1].Summary, `created flow "Audited"`)
		require.NotEmpty(t, flows.Entries[0].UserName, "names who did it")
		users := read("?section=users")
		require.Len(t, users.Entries, 1)
		require.Equal(t, "edited user ana@example.com: role → admin; password reset", users.Entries[0].Summary)
		keys := read("?section=api_keys").Entries
		require.Len(t, keys, 1)
		require.Contains(t, keys[0].Summary, `created API key "crm sync"`)
		require.Len(t, read("?limit=1").Entries, 1)

		// The agent was made admin above; a fresh agent is refused.
		_, otherKey := agentWithKey(t, env, "bia@example.com")
		status, body = call(t, env, otherKey, http.MethodGet, "/api/v1/audit", "")
		requireError(t, http.StatusForbidden, "forbidden", status, body)
	})
}
