package ui_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestDashboardPage shows today's two inbound messages in the totals and
// the chart, refuses an agent without the status permission, and keeps
// an invalid period on the page with its error.
func TestDashboardPage(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "admin")
		addUser(t, env, "bia@example.com", "agent")
		admin := newBrowser(t, env)
		admin.login("ana@example.com", "correct horse battery")
		s := admin.openStream("/events", nil)
		sender := env.App.Sandbox.Senders()[0].PhoneNumberID
		for _, text := range []string{"Oi", "Tudo bem?"} {
			_, err := env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Cliente", text)
			require.NoError(t, err)
			s.next()
		}

		status, _, body := admin.do(http.MethodGet, "/dashboard", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `<dd data-total="in">2</dd>`)
		require.Contains(t, body, `<svg viewBox=`)
		require.Contains(t, body, "Received: 2</title>", "today's bar names its value")
		require.Contains(t, body, `href="/dashboard"`)

		status, _, body = admin.do(http.MethodGet, "/dashboard?from=2025-10-05&to=2025-10-01", nil, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `role="alert"`)

		agentB := newBrowser(t, env)
		agentB.login("bia@example.com", "correct horse battery")
		status, _, body = agentB.do(http.MethodGet, "/dashboard", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		require.NotContains(t, body, `data-total`)
	})
}
