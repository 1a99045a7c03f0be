package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store"
)

// userByEmail reads a user as the database has it now.
func userByEmail(t *testing.T, env *apptest.Env, email string) agent.User {
	t.Helper()
	ctx := context.Background()
	found, err := env.App.Agents.UserByEmail(ctx, email)
	require.NoError(t, err)
	u, err := env.App.Agents.GetUser(ctx, found.ID)
	require.NoError(t, err)
	return u
}

func usersPath(u agent.User) string { return "/users/" + strconv.FormatInt(u.ID, 10) }

// loggedIn returns a browser signed in as email.
func loggedIn(t *testing.T, env *apptest.Env, email, password string) *browser {
	t.Helper()
	b := newBrowser(t, env)
	status, _, body := b.login(email, password)
	require.Equal(t, http.StatusSeeOther, status, body)
	return b
}

// TestUsersPagesNeedThePermission shows every users page and action is
// checked on the server: an agent without manage_users gets 403 for the
// list and for posts that would create, edit or deactivate a user, and
// nothing changes; granted the permission, the list opens, but the agent
// still cannot grant what they lack or make an admin.
func TestUsersPagesNeedThePermission(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "bia@example.com", "agent")
		addUser(t, env, "caio@example.com", "agent")
		caio := userByEmail(t, env, "caio@example.com")
		b := loggedIn(t, env, "bia@example.com", "correct horse battery")

		status, _, body := b.do(http.MethodGet, "/users", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		require.Contains(t, body, "does not have the permission")
		status, _, _ = b.do(http.MethodGet, usersPath(caio), nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		for path, form := range map[string]url.Values{
			"/users":                      {"email": {"eve@example.com"}, "name": {"Eve"}, "role": {"admin"}, "password": {"long enough"}},
			usersPath(caio):               {"name": {"Hacked"}, "role": {"admin"}, "permissions": {"manage_users"}},
			usersPath(caio) + "/active":   {"active": {"false"}},
			usersPath(caio) + "/password": {"password": {"new password!"}},
		} {
			status, _, _ = b.do(http.MethodPost, path, form, nil)
			require.Equal(t, http.StatusForbidden, status, path)
		}
		require.Equal(t, caio, userByEmail(t, env, "caio@example.com"), "caio is unchanged")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM users WHERE email = 'eve@example.com'`))
		_, err := env.App.Agents.Authenticate(context.Background(), "caio@example.com", "correct horse battery")
		require.NoError(t, err, "caio's password is unchanged")

		bia := userByEmail(t, env, "bia@example.com")
		perms := []string{agent.PermManageUsers}
		_, err = env.App.Agents.UpdateUser(context.Background(), agent.Principal{UserID: 1, Role: agent.RoleAdmin}, bia.ID, agent.UserChange{Permissions: &perms})
		require.NoError(t, err)
		status, _, body = b.do(http.MethodGet, "/users", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "caio@example.com")

		// Managing users does not let an agent hand out permissions they
		// do not have, nor make an admin.
		status, _, body = b.do(http.MethodPost, usersPath(caio), url.Values{"name": {"Caio"}, "role": {"agent"},
			"permissions": {agent.PermManageSettings}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="permissions-error"`)
		status, _, body = b.do(http.MethodPost, usersPath(caio), url.Values{"name": {"Caio"}, "role": {"admin"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "Only an admin may")
		require.Equal(t, caio, userByEmail(t, env, "caio@example.com"), "caio is unchanged")
	})
}

// TestAdminCreatesEditsAndDeactivatesAUser walks the users pages as an
// admin: a refused form shows the problem next to its field and keeps
// what was typed; a created user logs in; permissions and away are
// saved; deactivating ends the user's session at once, refuses their
// login and their API key; a password reset logs them out.
func TestAdminCreatesEditsAndDeactivatesAUser(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "admin")
		admin := loggedIn(t, env, "ana@example.com", "correct horse battery")

		status, _, body := admin.do(http.MethodPost, "/users", url.Values{"email": {"dora@example.com"}, "name": {""}, "role": {"agent"},
			"password": {"dora-password"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="name-error"`)
		require.Contains(t, body, "Enter a name")
		require.Contains(t, body, `value="dora@example.com"`, "the email is kept")
		status, _, body = admin.do(http.MethodPost, "/users", url.Values{"email": {"ana@example.com"}, "name": {"Ana 2"}, "role": {"agent"},
			"password": {"dora-password"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="email-error"`)
		require.Contains(t, body, "already exists")

		status, h, _ := admin.do(http.MethodPost, "/users", url.Values{"email": {"dora@example.com"}, "name": {"Dora"}, "role": {"agent"},
			"password": {"dora-password"}, "permissions": {agent.PermAssign}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		dora := userByEmail(t, env, "dora@example.com")
		require.Equal(t, usersPath(dora)+"?done=created", h.Get("Location"))
		require.Equal(t, []string{agent.PermAssign}, dora.Permissions)
		status, _, body = admin.do(http.MethodGet, "/users", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "dora@example.com")
		require.Contains(t, body, "Assign chats and leads")

		status, _, _ = admin.do(http.MethodPost, usersPath(dora), url.Values{"name": {"Dora Lima"}, "role": {"agent"},
			"permissions": {agent.PermViewAllChats, agent.PermManageLeads}, "away": {"on"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		dora = userByEmail(t, env, "dora@example.com")
		require.Equal(t, "Dora Lima", dora.Name)
		require.Equal(t, []string{agent.PermManageLeads, agent.PermViewAllChats}, dora.Permissions)
		require.True(t, dora.Away)

		_, _, body = admin.do(http.MethodGet, "/users", nil, nil)
		require.Equal(t, 1, strings.Count(body, "<time data-local"), "only ana has logged in")
		doraBrowser := loggedIn(t, env, "dora@example.com", "dora-password")
		require.NotNil(t, userByEmail(t, env, "dora@example.com").LastLoginAt)
		_, _, body = admin.do(http.MethodGet, "/users", nil, nil)
		require.Equal(t, 2, strings.Count(body, "<time data-local"), "dora's login shows")
		_, doraKey, err := env.App.Agents.CreateAPIKey(context.Background(), "dora's script", dora.ID)
		require.NoError(t, err)

		status, _, _ = admin.do(http.MethodPost, usersPath(dora)+"/active", url.Values{"active": {"false"}},
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		require.Equal(t, http.StatusForbidden, status, "another site cannot make the admin's browser deactivate a user")
		require.True(t, userByEmail(t, env, "dora@example.com").Active)

		status, h, _ = admin.do(http.MethodPost, usersPath(dora)+"/active", url.Values{"active": {"false"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, usersPath(dora)+"?done=deactivated", h.Get("Location"))
		require.False(t, userByEmail(t, env, "dora@example.com").Active)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, dora.ID))
		status, h, _ = doraBrowser.do(http.MethodGet, "/inbox", nil, nil)
		require.Equal(t, http.StatusSeeOther, status, "dora's open session ended")
		require.Contains(t, h.Get("Location"), "/login")
		status, _, body = newBrowser(t, env).login("dora@example.com", "dora-password")
		require.Equal(t, http.StatusUnauthorized, status, "a deactivated user cannot log in")
		require.Contains(t, body, "Wrong email or password.")
		req, err := http.NewRequest(http.MethodGet, env.URL+"/api/v1/senders", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+doraKey)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a deactivated user's API key is refused")

		status, _, _ = admin.do(http.MethodPost, usersPath(dora)+"/active", url.Values{"active": {"true"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		doraBrowser = loggedIn(t, env, "dora@example.com", "dora-password")

		status, _, body = admin.do(http.MethodPost, usersPath(dora)+"/password", url.Values{"password": {"short"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="password-error"`)
		status, _, _ = admin.do(http.MethodPost, usersPath(dora)+"/password", url.Values{"password": {"a brand new one"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		status, _, _ = doraBrowser.do(http.MethodGet, "/inbox", nil, nil)
		require.Equal(t, http.StatusSeeOther, status, "a reset logs the user out")
		loggedIn(t, env, "dora@example.com", "a brand new one")
	})
}

// TestTheLastAdminCannotStepDown shows an admin who is the last active
// one can neither deactivate nor demote themselves: the page says why
// and nothing changes.
func TestTheLastAdminCannotStepDown(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "admin")
		// The test harness's own admin would otherwise be a second one.
		ctx := context.Background()
		require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE users SET active = ? WHERE email = 'test-admin@zapflow.local'`, false)
			return err
		}))
		ana := userByEmail(t, env, "ana@example.com")
		b := loggedIn(t, env, "ana@example.com", "correct horse battery")

		status, _, body := b.do(http.MethodPost, usersPath(ana)+"/active", url.Values{"active": {"false"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "last active admin")
		status, _, body = b.do(http.MethodPost, usersPath(ana), url.Values{"name": {"Ana"}, "role": {"agent"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "last active admin")

		after := userByEmail(t, env, "ana@example.com")
		require.True(t, after.Active)
		require.Equal(t, agent.RoleAdmin, after.Role)
		require.Equal(t, ana.Name, after.Name)
		status, _, _ = b.do(http.MethodGet, "/users", nil, nil)
		require.Equal(t, http.StatusOK, status, "still logged in")
	})
}

// TestMyAccount shows anyone signed in changes their own password (the
// current one required; their other sessions end, this one stays), their
// language (the page follows it whatever the browser says), their sound
// and away state.
func TestMyAccount(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "bia@example.com", "agent")
		here := loggedIn(t, env, "bia@example.com", "correct horse battery")
		elsewhere := loggedIn(t, env, "bia@example.com", "correct horse battery")

		status, _, body := here.do(http.MethodGet, "/account", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Change password")

		status, _, body = here.do(http.MethodPost, "/account/password", url.Values{"current_password": {"wrong one"},
			"new_password": {"new secret 1"}, "confirm_password": {"new secret 1"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="current_password-error"`)
		require.Contains(t, body, "The current password is wrong.")
		status, _, body = here.do(http.MethodPost, "/account/password", url.Values{"current_password": {"correct horse battery"},
			"new_password": {"new secret 1"}, "confirm_password": {"new secret 2"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="confirm_password-error"`)
		status, _, body = here.do(http.MethodPost, "/account/password", url.Values{"current_password": {"correct horse battery"},
			"new_password": {"short"}, "confirm_password": {"short"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="new_password-error"`)

		status, h, _ := here.do(http.MethodPost, "/account/password", url.Values{"current_password": {"correct horse battery"},
			"new_password": {"new secret 1"}, "confirm_password": {"new secret 1"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/account?done=password", h.Get("Location"))
		status, _, _ = here.do(http.MethodGet, "/account", nil, nil)
		require.Equal(t, http.StatusOK, status, "this session stays")
		status, _, _ = elsewhere.do(http.MethodGet, "/account", nil, nil)
		require.Equal(t, http.StatusSeeOther, status, "the other session ended")
		_, err := env.App.Agents.Authenticate(context.Background(), "bia@example.com", "new secret 1")
		require.NoError(t, err)

		status, _, _ = here.do(http.MethodPost, "/account/preferences", url.Values{"locale": {"pt-BR"}, "sound": {"off"}, "away": {"on"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		bia := userByEmail(t, env, "bia@example.com")
		require.Equal(t, "pt-BR", bia.Locale)
		require.Equal(t, "off", bia.Sound)
		require.True(t, bia.Away)
		_, _, body = here.do(http.MethodGet, "/account", nil, map[string]string{"Accept-Language": "en-US,en;q=0.9"})
		require.Contains(t, body, "Minha conta", "the chosen language wins over the browser's")

		status, _, body = here.do(http.MethodPost, "/account/preferences", url.Values{"locale": {"fr"}, "sound": {""}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="locale-error"`)
		require.Equal(t, "pt-BR", userByEmail(t, env, "bia@example.com").Locale, "unchanged")

		status, _, _ = here.do(http.MethodPost, "/account/preferences", url.Values{"locale": {""}, "sound": {""}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		bia = userByEmail(t, env, "bia@example.com")
		require.Equal(t, "", bia.Locale, "back to the browser's language")
		require.False(t, bia.Away)
	})
}
