package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
)

type userView struct {
	ID          int64    `json:"id"`
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	Role        string   `json:"role"`
	Active      bool     `json:"active"`
	Permissions []string `json:"permissions"`
	Away        bool     `json:"away"`
	LastLoginAt *string  `json:"last_login_at"`
}

func decodeUser(t *testing.T, raw string) userView {
	t.Helper()
	var u userView
	require.NoError(t, json.Unmarshal([]byte(raw), &u), raw)
	return u
}

// agentWithKey creates an agent (no permissions) and an API key acting
// as them.
func agentWithKey(t *testing.T, env *apptest.Env, email string) (agent.User, string) {
	t.Helper()
	ctx := context.Background()
	u, err := env.App.Agents.CreateUser(ctx, email, "Agent", agent.RoleAgent, "agent-password")
	require.NoError(t, err)
	_, key, err := env.App.Agents.CreateAPIKey(ctx, "script", u.ID)
	require.NoError(t, err)
	return u, key
}

// TestAPIPermissionsGuardSettingsAndUsers shows settings changes need
// manage_settings and the users API manage_users: an agent's key is
// refused until an admin grants the permission, and then allowed; one
// permission does not bring the other, nor lets an agent grant what they
// do not have.
func TestAPIPermissionsGuardSettingsAndUsers(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		bia, key := agentWithKey(t, env, "bia@example.com")
		path := "/api/v1/users/" + strconv.FormatInt(bia.ID, 10)

		status, raw := call(t, env, key, http.MethodPut, "/api/v1/settings/stop-bot", `{"restart_after_hours":2}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/users", "")
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/settings/stop-bot", "")
		require.Equal(t, http.StatusOK, status, "reading settings stays open to every key: %s", raw)

		status, raw = call(t, env, env.APIKey, http.MethodPatch, path, `{"permissions":["manage_settings"]}`)
		require.Equal(t, http.StatusOK, status, raw)
		require.Equal(t, []string{agent.PermManageSettings}, decodeUser(t, raw).Permissions)

		status, raw = call(t, env, key, http.MethodPut, "/api/v1/settings/stop-bot", `{"restart_after_hours":2}`)
		require.Equal(t, http.StatusOK, status, raw)
		require.Contains(t, raw, `"restart_after_hours":2`)
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/users", "")
		requireError(t, http.StatusForbidden, "forbidden", status, raw)

		// With manage_users the agent manages agents, but cannot make or
		// touch an admin (that would be a way up to every permission).
		status, raw = call(t, env, env.APIKey, http.MethodPatch, path, `{"permissions":["manage_users"]}`)
		require.Equal(t, http.StatusOK, status, raw)
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/users", "")
		require.Equal(t, http.StatusOK, status, raw)
		status, raw = call(t, env, key, http.MethodPatch, path, `{"role":"admin"}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		status, raw = call(t, env, key, http.MethodPost, "/api/v1/users", `{"email":"eve@example.com","name":"Eve","role":"admin","password":"long enough"}`)
		requireError(t, http.StatusForbidden, "forbidden", status, raw)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM users WHERE email = 'eve@example.com'`))
		status, raw = call(t, env, key, http.MethodPatch, path, `{"permissions":["manage_users","manage_settings"]}`)
		e := requireError(t, http.StatusForbidden, "forbidden", status, raw)
		require.Equal(t, "permissions", e.Error.Field, "only permissions one has can be granted")
		status, raw = call(t, env, key, http.MethodPatch, path, `{"away":true}`)
		require.Equal(t, http.StatusOK, status, raw)
		require.True(t, decodeUser(t, raw).Away)
	})
}

// TestAPIUsers creates, reads and edits users over the API, with the
// named errors: a taken e-mail, an invalid value with its field, an
// unknown id, and the last active admin who cannot be demoted or
// deactivated.
func TestAPIUsers(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		status, raw := call(t, env, env.APIKey, http.MethodPost, "/api/v1/users",
			`{"email":"Carla@Example.com","name":" Carla ","role":"agent","password":"initial-pass","permissions":["assign","manage_leads","assign"]}`)
		require.Equal(t, http.StatusCreated, status, raw)
		carla := decodeUser(t, raw)
		require.Equal(t, "carla@example.com", carla.Email)
		require.Equal(t, "Carla", carla.Name)
		require.True(t, carla.Active)
		require.Nil(t, carla.LastLoginAt, "never logged in")
		require.Equal(t, []string{agent.PermManageLeads, agent.PermAssign}, carla.Permissions, "once each, in the usual order")

		status, raw = call(t, env, env.APIKey, http.MethodPost, "/api/v1/users", `{"email":"carla@example.com","name":"C","role":"agent","password":"initial-pass"}`)
		requireError(t, http.StatusConflict, "user_exists", status, raw)
		for field, body := range map[string]string{
			"name":        `{"email":"d@example.com","name":"","role":"agent","password":"initial-pass"}`,
			"email":       `{"email":"nope","name":"D","role":"agent","password":"initial-pass"}`,
			"role":        `{"email":"d@example.com","name":"D","role":"owner","password":"initial-pass"}`,
			"password":    `{"email":"d@example.com","name":"D","role":"agent","password":"short"}`,
			"permissions": `{"email":"d@example.com","name":"D","role":"agent","password":"initial-pass","permissions":["root"]}`,
		} {
			status, raw = call(t, env, env.APIKey, http.MethodPost, "/api/v1/users", body)
			e := requireError(t, http.StatusUnprocessableEntity, "invalid_user", status, raw)
			require.Equal(t, field, e.Error.Field, raw)
		}

		path := "/api/v1/users/" + strconv.FormatInt(carla.ID, 10)
		status, raw = call(t, env, env.APIKey, http.MethodPatch, path, `{"name":"Carla Souza","role":"admin"}`)
		require.Equal(t, http.StatusOK, status, raw)
		got := decodeUser(t, raw)
		require.Equal(t, "Carla Souza", got.Name)
		require.Equal(t, "admin", got.Role)
		require.Empty(t, got.Permissions, "admins have every permission; none stored")
		status, raw = call(t, env, env.APIKey, http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, status, raw)
		require.Equal(t, "Carla Souza", decodeUser(t, raw).Name)

		status, raw = call(t, env, env.APIKey, http.MethodGet, "/api/v1/users/999999", "")
		requireError(t, http.StatusNotFound, "not_found", status, raw)
		status, raw = call(t, env, env.APIKey, http.MethodPatch, path, `{"colour":"blue"}`)
		requireError(t, http.StatusBadRequest, "invalid_json", status, raw)

		// Two active admins: Carla can step down; then the test admin is
		// the last one and can neither step down nor be deactivated.
		status, raw = call(t, env, env.APIKey, http.MethodPatch, path, `{"role":"agent"}`)
		require.Equal(t, http.StatusOK, status, raw)
		var list struct {
			Users []userView `json:"users"`
		}
		status, raw = call(t, env, env.APIKey, http.MethodGet, "/api/v1/users", "")
		require.Equal(t, http.StatusOK, status, raw)
		require.NoError(t, json.Unmarshal([]byte(raw), &list))
		var adminID int64
		for _, u := range list.Users {
			if u.Role == agent.RoleAdmin {
				adminID = u.ID
			}
		}
		require.NotZero(t, adminID)
		adminPath := "/api/v1/users/" + strconv.FormatInt(adminID, 10)
		for _, body := range []string{`{"role":"agent"}`, `{"active":false}`} {
			status, raw = call(t, env, env.APIKey, http.MethodPatch, adminPath, body)
			requireError(t, http.StatusConflict, "last_admin", status, raw)
		}
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM users WHERE role = 'admin'`), "nothing changed")
	})
}

// TestAPIDeactivatedUserIsLockedOut shows deactivating a user ends their
// sessions at once, refuses their password and their API key (401), and
// reactivating lets them in again; a password reset ends sessions too.
func TestAPIDeactivatedUserIsLockedOut(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		bia, key := agentWithKey(t, env, "bia@example.com")
		token, err := env.App.Agents.CreateSession(ctx, bia.ID, "127.0.0.1", "test")
		require.NoError(t, err)
		path := "/api/v1/users/" + strconv.FormatInt(bia.ID, 10)
		status, raw := call(t, env, env.APIKey, http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, status, raw)
		require.NotNil(t, decodeUser(t, raw).LastLoginAt, "the login is recorded")

		status, raw = call(t, env, env.APIKey, http.MethodPatch, path, `{"active":false}`)
		require.Equal(t, http.StatusOK, status, raw)
		require.False(t, decodeUser(t, raw).Active)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, bia.ID))
		_, err = env.App.Agents.SessionUser(ctx, token)
		require.ErrorIs(t, err, agent.ErrNoSession)
		_, err = env.App.Agents.Authenticate(ctx, "bia@example.com", "agent-password")
		require.Error(t, err, "a deactivated user cannot log in")
		status, raw = call(t, env, key, http.MethodGet, "/api/v1/senders", "")
		requireError(t, http.StatusUnauthorized, "invalid_api_key", status, raw)

		status, raw = call(t, env, env.APIKey, http.MethodPatch, path, `{"active":true,"password":"brand-new-pass"}`)
		require.Equal(t, http.StatusOK, status, raw)
		status, _ = call(t, env, key, http.MethodGet, "/api/v1/senders", "")
		require.Equal(t, http.StatusOK, status, "reactivated: the key works again")
		_, err = env.App.Agents.Authenticate(ctx, "bia@example.com", "brand-new-pass")
		require.NoError(t, err, "the reset password works")

		_, err = env.App.Agents.CreateSession(ctx, bia.ID, "127.0.0.1", "test")
		require.NoError(t, err)
		status, raw = call(t, env, env.APIKey, http.MethodPatch, path, `{"password":"another-pass"}`)
		require.Equal(t, http.StatusOK, status, raw)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, bia.ID), "a reset ends the sessions")
		status, raw = call(t, env, env.APIKey, http.MethodPatch, path, `{"password":"short"}`)
		e := requireError(t, http.StatusUnprocessableEntity, "invalid_user", status, raw)
		require.Equal(t, "password", e.Error.Field)
	})
}
