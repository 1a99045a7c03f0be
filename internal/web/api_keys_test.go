package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
)

type apiKeyView struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	UserID     int64      `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Admins make keys for users over the API; a key acts with its user's
// role; agents cannot manage keys; a revoked key answers 401 at once.
func TestAPIKeysOverAPI(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		u, err := env.App.Agents.CreateUser(ctx, "bia@example.com", "Bia", agent.RoleAgent, "agent-password")
		require.NoError(t, err)

		status, raw := call(t, env, env.APIKey, http.MethodPost, "/api/v1/api-keys", `{"name":"bia's script","user_email":"Bia@Example.com"}`)
		require.Equal(t, http.StatusCreated, status, raw)
		var created struct {
			APIKey apiKeyView `json:"api_key"`
			Key    string     `json:"key"`
		}
		require.NoError(t, json.Unmarshal([]byte(raw), &created))
		require.Equal(t, u.ID, created.APIKey.UserID)
		require.Equal(t, "bia@example.com", created.APIKey.UserEmail)
		require.Equal(t, created.Key[:len(created.APIKey.Prefix)], created.APIKey.Prefix)
		require.Nil(t, created.APIKey.LastUsedAt)
		agentKey := created.Key

		// The agent's key is an agent: it reads, it cannot administer,
		// and key management is for admins only.
		status, raw = call(t, env, agentKey, http.MethodGet, "/api/v1/senders", "")
		require.Equal(t, http.StatusOK, status, raw)
		status, raw = call(t, env, agentKey, http.MethodPost, "/api/v1/accounts", `{"name":"x"}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		for _, c := range []struct{ method, path, body string }{
			{http.MethodGet, "/api/v1/api-keys", ""},
			{http.MethodPost, "/api/v1/api-keys", `{"name":"mine","user_id":` + strconv.FormatInt(u.ID, 10) + `}`},
			{http.MethodGet, "/api/v1/api-keys/1", ""},
			{http.MethodPost, "/api/v1/api-keys/1/revoke", ""},
		} {
			status, raw = call(t, env, agentKey, c.method, c.path, c.body)
			requireError(t, http.StatusForbidden, "forbidden", status, raw)
		}

		var list struct {
			APIKeys []apiKeyView `json:"api_keys"`
		}
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/api-keys", nil, &list))
		require.Len(t, list.APIKeys, 2)
		admin, bia := list.APIKeys[0], list.APIKeys[1]
		require.Equal(t, "test-admin@zapflow.local", admin.UserEmail)
		require.NotNil(t, admin.LastUsedAt, "the admin's key was used")
		require.Equal(t, created.APIKey.ID, bia.ID)
		require.NotNil(t, bia.LastUsedAt, "the agent's key was used")
		require.Nil(t, bia.RevokedAt)
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/api-keys?user_id="+strconv.FormatInt(u.ID, 10), nil, &list))
		require.Len(t, list.APIKeys, 1)

		// Revoked: the very next request is refused.
		var revoked apiKeyView
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/api-keys/"+strconv.FormatInt(bia.ID, 10)+"/revoke", nil, &revoked))
		require.NotNil(t, revoked.RevokedAt)
		status, raw = call(t, env, agentKey, http.MethodGet, "/api/v1/senders", "")
		requireError(t, http.StatusUnauthorized, "invalid_api_key", status, raw)
		var got apiKeyView
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/api-keys/"+strconv.FormatInt(bia.ID, 10), nil, &got))
		require.Equal(t, revoked.RevokedAt, got.RevokedAt)

		// Errors name what is wrong.
		doError(t, env, http.MethodPost, "/api/v1/api-keys", `{"name":"orphan"}`, http.StatusUnprocessableEntity, "invalid_api_key")
		doError(t, env, http.MethodPost, "/api/v1/api-keys", `{"name":"x","user_email":"nobody@example.com"}`, http.StatusNotFound, "user_not_found")
		doError(t, env, http.MethodPost, "/api/v1/api-keys", `{"name":"x","user_id":9999}`, http.StatusUnprocessableEntity, "user_not_found")
		doError(t, env, http.MethodPost, "/api/v1/api-keys", `{"name":"x","user_id":1,"user_email":"bia@example.com"}`, http.StatusUnprocessableEntity, "invalid_api_key")
		doError(t, env, http.MethodPost, "/api/v1/api-keys", `{"name":"","user_id":1}`, http.StatusUnprocessableEntity, "invalid_api_key")
		doError(t, env, http.MethodPost, "/api/v1/api-keys/9999/revoke", "", http.StatusNotFound, "not_found")
		doError(t, env, http.MethodGet, "/api/v1/api-keys/9999", "", http.StatusNotFound, "not_found")
	})
}
