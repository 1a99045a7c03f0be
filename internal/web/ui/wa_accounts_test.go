package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/sandbox"
)

// TestAccountPages connects an account from the guided form (a missing
// field is named next to it), shows the webhook URL and verify token to
// paste into Meta, checks the sandbox account's token by syncing its
// templates, adds a sandbox number and sets its rate (a bad rate is named
// on its row), and shows the templates with a preview. Agents may read
// the templates but not the accounts.
func TestAccountPages(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "admin")
		addUser(t, env, "bia@example.com", "agent")
		admin := newBrowser(t, env)
		admin.login("ana@example.com", "correct horse battery")

		status, _, body := admin.do(http.MethodGet, "/accounts/new", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `name="verify_token" value="`, "a verify token is made up")
		form := url.Values{"name": {"Loja"}, "waba_id": {"999"}, "access_token": {"tok-secret-1"}, "app_secret": {""},
			"verify_token": {"vt-1"}, "graph_url": {env.URL + "/sandbox/graph"}}
		status, _, body = admin.do(http.MethodPost, "/accounts", form, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="app_secret-error"`, "the missing secret is named next to its field")
		require.NotContains(t, body, "tok-secret-1", "a typed secret is never sent back")
		require.Contains(t, body, `value="Loja"`, "what was typed is kept")
		form.Set("app_secret", "app-secret-1")
		status, h, body := admin.do(http.MethodPost, "/accounts", form, nil)
		require.Equal(t, http.StatusSeeOther, status, body)
		loc := h.Get("Location")
		require.True(t, strings.HasSuffix(loc, "?done=created"), loc)
		status, _, body = admin.do(http.MethodGet, loc, nil, nil)
		require.Equal(t, http.StatusOK, status)
		page, _, _ := strings.Cut(loc, "?")
		require.Contains(t, body, env.URL+"/webhooks/whatsapp/"+strings.TrimPrefix(page, "/accounts/"))
		require.Contains(t, body, "vt-1")
		require.NotContains(t, body, "tok-secret-1")

		// The new account's token is not the sandbox's: Meta's refusal
		// shows on the page.
		status, _, body = admin.do(http.MethodPost, page+"/check", nil, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `role="alert"`)

		// The sandbox account's token works.
		status, h, _ = admin.do(http.MethodPost, "/accounts/1/check", nil, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Contains(t, h.Get("Location"), "done=checked&templates=")
		require.NotContains(t, h.Get("Location"), "templates=0")

		_, err := env.App.Sandbox.AddSender(sandbox.Sender{PhoneNumberID: "200000000000009", DisplayPhoneNumber: "+55 11 3000-0009", VerifiedName: "Loja Nova"})
		require.NoError(t, err)
		status, _, body = admin.do(http.MethodPost, "/accounts/1/senders", url.Values{"phone_number_id": {"200000000000009"}, "rate_limit": {"40"}}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)
		var senderID string
		require.NoError(t, env.App.DB.Read().QueryRow(context.Background(),
			`SELECT CAST(id AS TEXT) FROM senders WHERE phone_number_id = '200000000000009'`).Scan(&senderID))
		_, _, body = admin.do(http.MethodGet, "/accounts/1", nil, nil)
		require.Contains(t, body, "Loja Nova")
		require.Contains(t, body, `value="40"`)
		require.Contains(t, body, "GREEN")
		status, _, body = admin.do(http.MethodPost, "/accounts/1/senders/"+senderID, url.Values{"rate_limit": {"5000"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="rate_limit-`+senderID+`-error"`)
		status, _, _ = admin.do(http.MethodPost, "/accounts/1/senders/"+senderID, url.Values{"rate_limit": {"60"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM senders WHERE phone_number_id = '200000000000009' AND rate_limit = 60`))
		status, _, _ = admin.do(http.MethodPost, "/accounts/"+strings.TrimPrefix(page, "/accounts/")+"/senders/"+senderID, url.Values{"rate_limit": {"60"}}, nil)
		require.Equal(t, http.StatusNotFound, status, "a number is changed only under its own account")

		_, _, body = admin.do(http.MethodGet, "/audit?section=accounts", nil, nil)
		require.Contains(t, body, `connected account &#34;Loja&#34;`)

		agentB := newBrowser(t, env)
		agentB.login("bia@example.com", "correct horse battery")
		status, _, body = agentB.do(http.MethodGet, "/templates", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `class="bubble"`, "templates show a preview")
		require.NotContains(t, body, `/check"`, "only admins sync")
		status, _, _ = agentB.do(http.MethodGet, "/accounts", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		status, _, _ = agentB.do(http.MethodPost, "/accounts/1/check", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
	})
}
