package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestAuditPage creates and deactivates a user from the users pages and
// finds both changes, by that admin, on the audit page; an agent gets
// the not-allowed page.
func TestAuditPage(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "admin")
		addUser(t, env, "bia@example.com", "agent")
		admin := newBrowser(t, env)
		admin.login("ana@example.com", "correct horse battery")
		status, h, body := admin.do(http.MethodPost, "/users", url.Values{"email": {"dora@example.com"}, "name": {"Dora"},
			"role": {"agent"}, "password": {"a long enough password"}, "permissions": {"assign"}}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)
		userPage, _, _ := strings.Cut(h.Get("Location"), "?")
		status, _, body = admin.do(http.MethodPost, userPage+"/active", url.Values{"active": {"false"}}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)

		status, _, body = admin.do(http.MethodGet, "/audit?section=users", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "created user dora@example.com (agent; assign)")
		require.Contains(t, body, "edited user dora@example.com: deactivated")
		require.Contains(t, body, "Agent ana@example.com", "names who did it")
		require.Less(t, indexOf(body, "deactivated"), indexOf(body, "created user"), "newest first")
		require.Contains(t, body, `href="/audit"`, "admins see the nav link")

		agentB := newBrowser(t, env)
		agentB.login("bia@example.com", "correct horse battery")
		status, _, body = agentB.do(http.MethodGet, "/audit", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		require.NotContains(t, body, "dora@example.com")
		require.NotContains(t, body, `href="/audit"`)
	})
}
