package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// each runs fn once per dialect on a fresh zapflow.
func each(t *testing.T, fn func(t *testing.T, env *apptest.Env)) {
	t.Helper()
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, apptest.Start(t, d))
		})
	}
}

// browser is an HTTP client with cookies that does not follow redirects,
// so tests see where each answer points.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, env *apptest.Env) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: env.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// do sends a request the way a browser on this site would (same-origin
// fetch metadata), unless headers override it.
func (b *browser) do(method, path string, form url.Values, headers map[string]string) (int, http.Header, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method != http.MethodGet {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", b.base)
	}
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp.StatusCode, resp.Header, string(raw)
}

func (b *browser) login(email, password string) (int, http.Header, string) {
	return b.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {password}, "next": {"/inbox"}}, nil)
}

func addUser(t *testing.T, env *apptest.Env, email, role string) {
	t.Helper()
	_, err := env.App.Agents.CreateUser(context.Background(), email, "Agent "+email, role, "correct horse battery")
	require.NoError(t, err)
}

// TestLoginLogout shows the first-start admin's password is accepted, the
// session cookie is HttpOnly and SameSite=Lax, pages need a session, and
// logging out ends it.
func TestLoginLogout(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "admin")
		b := newBrowser(t, env)

		status, h, _ := b.do(http.MethodGet, "/inbox", nil, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/login?next=%2Finbox", h.Get("Location"))
		status, _, body := b.do(http.MethodGet, "/login", nil, map[string]string{"Accept-Language": "pt-BR,pt;q=0.9"})
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Senha", "Portuguese for a Portuguese browser")

		status, h, _ = b.login("ana@example.com", "correct horse battery")
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/inbox", h.Get("Location"))
		cookie := h.Get("Set-Cookie")
		require.Contains(t, cookie, "zapflow_session=")
		require.Contains(t, cookie, "HttpOnly")
		require.Contains(t, cookie, "SameSite=Lax")
		require.NotContains(t, cookie, "Secure", "plain http on loopback")

		status, h, body = b.do(http.MethodGet, "/inbox", nil, nil)
		require.Equal(t, http.StatusOK, status, body)
		require.Contains(t, body, "Agent ana@example.com")
		require.Equal(t, "DENY", h.Get("X-Frame-Options"))

		status, h, _ = b.do(http.MethodPost, "/logout", url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/login", h.Get("Location"))
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM sessions`))
		status, _, _ = b.do(http.MethodGet, "/inbox", nil, nil)
		require.Equal(t, http.StatusSeeOther, status, "logged out")
	})
}

// TestLoginRefusesWrongPasswordAndLimitsGuessing shows a wrong password
// is refused with a clear message and, after five, even the right one is
// refused for a while, with a message that says so.
func TestLoginRefusesWrongPasswordAndLimitsGuessing(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "agent")
		b := newBrowser(t, env)
		for range 5 {
			status, h, body := b.login("ana@example.com", "wrong password")
			require.Equal(t, http.StatusUnauthorized, status)
			require.Contains(t, body, "Wrong email or password.")
			require.Empty(t, h.Get("Set-Cookie"))
		}
		status, h, body := b.login("ana@example.com", "correct horse battery")
		require.Equal(t, http.StatusTooManyRequests, status)
		require.Contains(t, body, "Too many failed logins")
		require.Empty(t, h.Get("Set-Cookie"))
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM sessions`))
	})
}

// TestCrossSitePostsAreRefused shows a form posted from another site (as
// a malicious page would make a logged-in browser do) changes nothing.
func TestCrossSitePostsAreRefused(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "admin")
		b := newBrowser(t, env)
		status, _, _ := b.login("ana@example.com", "correct horse battery")
		require.Equal(t, http.StatusSeeOther, status)

		for name, headers := range map[string]map[string]string{
			"fetch metadata": {"Sec-Fetch-Site": "cross-site", "Origin": ""},
			"origin only":    {"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
		} {
			status, _, _ = b.do(http.MethodPost, "/logout", url.Values{}, headers)
			require.Equal(t, http.StatusForbidden, status, name)
			status, _, _ = b.do(http.MethodPost, "/login", url.Values{"email": {"ana@example.com"}, "password": {"x"}}, headers)
			require.Equal(t, http.StatusForbidden, status, name)
		}
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM sessions`), "still logged in")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM login_failures`), "the cross-site login was never tried")
	})
}

// TestLoginNeverRedirectsOffSite shows next= cannot send a user elsewhere.
func TestLoginNeverRedirectsOffSite(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "admin")
		b := newBrowser(t, env)
		status, h, _ := b.do(http.MethodPost, "/login", url.Values{"email": {"ana@example.com"}, "password": {"correct horse battery"},
			"next": {"//evil.example/x"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/inbox", h.Get("Location"))
	})
}

// TestInboxShowsAConversationAndTheAgentReplies plays a sandbox customer
// who writes in: the conversation shows in the inbox with its message, the
// agent's reply goes through the send pipeline to the sandbox, and an
// empty reply is refused in the reply box with the text kept.
func TestInboxShowsAConversationAndTheAgentReplies(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "agent")
		b := newBrowser(t, env)
		status, _, body := func() (int, http.Header, string) {
			b.login("ana@example.com", "correct horse battery")
			return b.do(http.MethodGet, "/inbox", nil, nil)
		}()
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "sandbox is on", "an empty inbox says how the first customer writes in")

		sender := env.App.Sandbox.Senders()[0].PhoneNumberID
		_, err := env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Ana Cliente", "Olá, quero marcar um horário")
		require.NoError(t, err)
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM conversations`) == 1 }, "the conversation is stored")
		var conv string
		require.NoError(t, env.App.DB.Read().QueryRow(context.Background(), `SELECT CAST(id AS TEXT) FROM conversations`).Scan(&conv))

		_, _, body = b.do(http.MethodGet, "/inbox", nil, nil)
		require.Contains(t, body, "Ana Cliente")
		_, _, body = b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Contains(t, body, "Olá, quero marcar um horário")
		require.Contains(t, body, `action="/inbox/`+conv+`/reply"`, "the window is open: free text allowed")

		status, h, _ := b.do(http.MethodPost, "/inbox/"+conv+"/reply", url.Values{"text": {"Claro! Qual dia?"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/inbox/"+conv, h.Get("Location"))
		env.Eventually(func() bool {
			for _, m := range env.App.Sandbox.Sent() {
				if m.Text == "Claro! Qual dia?" {
					return true
				}
			}
			return false
		}, "the sandbox received the reply")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out' AND source LIKE 'agent:%'`))

		status, _, body = b.do(http.MethodPost, "/inbox/"+conv+"/reply", url.Values{"text": {strings.Repeat("x", 4097)}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `role="alert"`)
		require.Contains(t, body, strings.Repeat("x", 4097), "the draft is kept")
	})
}
