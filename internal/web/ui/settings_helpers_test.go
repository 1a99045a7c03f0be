package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// settingsAdmin logs in a new admin (named "Agent <email>") and returns
// their browser.
func settingsAdmin(t *testing.T, env *apptest.Env, email string) *browser {
	t.Helper()
	addUser(t, env, email, "admin")
	b := newBrowser(t, env)
	status, _, _ := b.login(email, "correct horse battery")
	require.Equal(t, http.StatusSeeOther, status)
	return b
}

// saveSettings posts a settings form and requires the POST-redirect-GET answer
// of a successful save; it returns the page the redirect shows.
func (b *browser) saveSettings(path string, form url.Values) string {
	b.t.Helper()
	status, h, body := b.do(http.MethodPost, path, form, nil)
	require.Equal(b.t, http.StatusSeeOther, status, body)
	require.Equal(b.t, path+"?saved=1", h.Get("Location"))
	status, _, body = b.do(http.MethodGet, h.Get("Location"), nil, nil)
	require.Equal(b.t, http.StatusOK, status)
	require.Contains(b.t, body, "Saved.")
	return body
}

// settingsCustomerWrites has a sandbox customer write text and returns
// the id of their conversation once it is stored.
func settingsCustomerWrites(t *testing.T, env *apptest.Env, phone, text string) int64 {
	t.Helper()
	sender := env.App.Sandbox.Senders()[0].PhoneNumberID
	before := env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in'`)
	_, err := env.App.Sandbox.CustomerWrites(sender, phone, "Cliente", text)
	require.NoError(t, err)
	env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in'`) > before }, "the message is stored")
	var id int64
	require.NoError(t, env.App.DB.Read().QueryRow(context.Background(),
		`SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.phone = ? OR k.wa_id = ?`, phone, strings.TrimPrefix(phone, "+")).Scan(&id))
	return id
}
