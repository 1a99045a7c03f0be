package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/forward"
)

var secretRe = regexp.MustCompile(`zfwhsec_[A-Za-z0-9_-]{43}`)

// TestForwardingPanel: a refused URL is shown next to its field and saves
// nothing; the save that switches forwarding on answers with the secret
// on the page (no redirect, so it is in no URL) and audits it without its
// value; the next visit shows only its last characters; "Generate a new
// secret" shows a new one once; the delivery log opens and a resend of an
// unknown delivery is a 404.
func TestForwardingPanel(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b := settingsAdmin(t, env, "ana@example.com")
		status, _, body := b.do(http.MethodGet, "/settings/forwarding", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "This is not the Cloud API webhook.")

		status, _, body = b.do(http.MethodPost, "/settings/forwarding", url.Values{"enabled": {"on"}, "method": {"POST"}, "url": {"http://192.168.1.10/crm"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Regexp(t, `id="url"[^>]*aria-invalid="true"`, body)
		require.Contains(t, body, `id="err-url">This address is private or local`)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings WHERE key = 'forwarding'`))

		status, h, body := b.do(http.MethodPost, "/settings/forwarding", url.Values{"enabled": {"on"}, "method": {"GET"}, "url": {"https://crm.example.com/zapflow"}}, nil)
		require.Equal(t, http.StatusOK, status, "answered directly: the secret is in no URL")
		require.Empty(t, h.Get("Location"))
		secret := secretRe.FindString(body)
		require.NotEmpty(t, secret, body)
		changes, err := env.App.Settings.Changes(context.Background(), forward.Key, 5)
		require.NoError(t, err)
		require.Len(t, changes, 1)
		require.Contains(t, changes[0].Summary, "https://crm.example.com/zapflow")
		require.Contains(t, changes[0].Summary, "signing secret generated")
		require.NotContains(t, changes[0].Summary, secret)

		_, _, body = b.do(http.MethodGet, "/settings/forwarding", nil, nil)
		require.NotContains(t, body, secret, "shown once")
		require.Contains(t, body, secret[len(secret)-4:], "its last characters identify it")
		require.Regexp(t, `<option value="GET" selected`, body)

		status, _, body = b.do(http.MethodPost, "/settings/forwarding/rotate-secret", url.Values{}, nil)
		require.Equal(t, http.StatusOK, status)
		rotated := secretRe.FindString(body)
		require.NotEmpty(t, rotated)
		require.NotEqual(t, secret, rotated)

		body = b.saveSettings("/settings/forwarding", url.Values{"method": {"POST"}, "url": {"https://crm.example.com/zapflow"}})
		require.NotRegexp(t, secretRe, body, "switching off shows no secret")

		status, _, body = b.do(http.MethodGet, "/settings/forwarding/deliveries", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "No deliveries yet.")
		require.Contains(t, body, "Forwarding is switched off")
		status, _, _ = b.do(http.MethodPost, "/settings/forwarding/deliveries/nope/resend", url.Values{}, nil)
		require.Equal(t, http.StatusNotFound, status)
	})
}

// TestForwardingNeedsThePermission: an agent without manage_settings gets
// 403 on the panel, its actions and the delivery log, and nothing changes.
func TestForwardingNeedsThePermission(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "bia@example.com", "agent")
		b := newBrowser(t, env)
		status, _, _ := b.login("bia@example.com", "correct horse battery")
		require.Equal(t, http.StatusSeeOther, status)
		for _, p := range []string{"/settings/forwarding", "/settings/forwarding/deliveries"} {
			status, _, _ := b.do(http.MethodGet, p, nil, nil)
			require.Equal(t, http.StatusForbidden, status, p)
		}
		for _, p := range []string{"/settings/forwarding", "/settings/forwarding/rotate-secret", "/settings/forwarding/deliveries/x/resend"} {
			status, _, _ := b.do(http.MethodPost, p, url.Values{"enabled": {"on"}, "url": {"https://crm.example.com"}}, nil)
			require.Equal(t, http.StatusForbidden, status, p)
		}
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings`))
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM settings_audit`))
	})
}
