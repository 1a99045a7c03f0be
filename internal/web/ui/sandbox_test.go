package ui_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/store"
)

// TestSandboxPagePlaysACustomer shows the sandbox page needs a session,
// sends a customer's text and photo into zapflow as webhooks (the
// conversation and its messages are stored), shows the business's answer
// in its chat, and flips the simulator's switches, a refused send showing
// why next to the field.
func TestSandboxPagePlaysACustomer(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "agent")
		b := newBrowser(t, env)
		status, h, _ := b.do(http.MethodGet, "/sandbox", nil, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/login?next=%2Fsandbox", h.Get("Location"))
		b.login("ana@example.com", "correct horse battery")

		_, _, body := b.do(http.MethodGet, "/inbox", nil, nil)
		require.Contains(t, body, `href="/sandbox"`, "the empty inbox leads to the sandbox page")
		status, _, body = b.do(http.MethodGet, "/sandbox", nil, nil)
		require.Equal(t, http.StatusOK, status)
		sender := env.App.Sandbox.Senders()[0]
		require.Contains(t, body, sender.VerifiedName)
		_, _, body = b.do(http.MethodGet, "/sandbox", nil, map[string]string{"Accept-Language": "pt-BR"})
		require.Contains(t, body, "Número da empresa", "Portuguese for a Portuguese browser")

		customer := url.Values{"sender": {sender.PhoneNumberID}, "phone": {"+5511977776666"}, "name": {"Bia"}}
		form := func(extra map[string]string) url.Values {
			v := url.Values{}
			for k, vs := range customer {
				v[k] = vs
			}
			for k, x := range extra {
				v.Set(k, x)
			}
			return v
		}
		status, h, _ = b.do(http.MethodPost, "/sandbox/ui/send", form(map[string]string{"do": "text", "text": "Oi, tudo bem?"}), nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.True(t, strings.HasPrefix(h.Get("Location"), "/sandbox?"), h.Get("Location"))
		status, _, _ = b.do(http.MethodPost, "/sandbox/ui/send", form(map[string]string{"do": "image", "text": "o recibo"}), nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in'`) == 2
		}, "both customer messages are stored")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM conversations`))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in' AND type = 'image'`))

		var conv string
		require.NoError(t, env.App.DB.Read().QueryRow(context.Background(), `SELECT CAST(id AS TEXT) FROM conversations`).Scan(&conv))
		status, _, _ = b.do(http.MethodPost, "/inbox/"+conv+"/reply", url.Values{"text": {"Tudo ótimo! Em que posso ajudar?"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool {
			_, _, chat := b.do(http.MethodGet, "/sandbox/ui/chat?"+customer.Encode(), nil, nil)
			return strings.Contains(chat, "Tudo ótimo! Em que posso ajudar?") && strings.Contains(chat, "Oi, tudo bem?")
		}, "the chat shows both sides")

		// A template with quick replies: the chat offers its buttons, and a
		// tap reaches zapflow as a button message.
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/messages", map[string]any{"type": "template",
			"sender": sender.PhoneNumberID, "to": "+5511977776666", "wait": true,
			"template": map[string]any{"name": "call_followup", "language": "pt_BR"}, "variables": map[string]string{"1": "Bia", "2": "Carlos"}}, nil))
		var tap string
		env.Eventually(func() bool {
			_, _, chat := b.do(http.MethodGet, "/sandbox/ui/chat?"+customer.Encode(), nil, nil)
			m := regexp.MustCompile(`name="button" value="([^"]*)">Tenho uma dúvida<`).FindStringSubmatch(chat)
			if m != nil {
				tap = html.UnescapeString(m[1])
			}
			return m != nil
		}, "the chat offers the template's quick replies")
		status, _, _ = b.do(http.MethodPost, "/sandbox/ui/tap", form(map[string]string{"button": tap}), nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in' AND type = 'button'`) == 1
		}, "the tap is stored as a button message")

		// The customer stops marketing messages in WhatsApp: zapflow hears
		// it and opts the contact out.
		status, _, _ = b.do(http.MethodPost, "/sandbox/ui/switches", form(map[string]string{"switch": "marketing", "marketing": "stop"}), nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM contacts WHERE wa_id = '5511977776666' AND opted_out = TRUE`) == 1
		}, "the customer is opted out")
		status, _, body = b.do(http.MethodPost, "/sandbox/ui/switches", form(map[string]string{"switch": "marketing", "marketing": "later"}), nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="sb-marketing-error"`)

		status, _, _ = b.do(http.MethodPost, "/sandbox/ui/switches", form(map[string]string{"switch": "quality", "quality": "RED"}), nil)
		require.Equal(t, http.StatusSeeOther, status)
		status, _, _ = b.do(http.MethodPost, "/sandbox/ui/switches", form(map[string]string{"switch": "status", "status": "DISCONNECTED"}), nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "RED", env.App.Sandbox.Senders()[0].QualityRating)
		require.Equal(t, "DISCONNECTED", env.App.Sandbox.Senders()[0].Status)
		status, _, body = b.do(http.MethodPost, "/sandbox/ui/send", form(map[string]string{"do": "text", "text": "alô?"}), nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="sb-sender-error"`)
		require.Contains(t, body, "This number is offline")
		require.Contains(t, body, "alô?", "the text is kept")

		status, _, body = b.do(http.MethodPost, "/sandbox/ui/switches", form(map[string]string{"switch": "status", "status": "EXPLODED"}), nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="sb-status-error"`)
		status, _, _ = b.do(http.MethodPost, "/sandbox/ui/send", form(map[string]string{"do": "text", "text": "x"}),
			map[string]string{"Sec-Fetch-Site": "cross-site"})
		require.Equal(t, http.StatusForbidden, status, "another site cannot play the customer")
		require.Len(t, env.App.Sandbox.Received(), 3)
	})
}

// TestSandboxPageIsGoneWithoutTheSandbox shows the page answers 404 when
// the sandbox is off.
func TestSandboxPageIsGoneWithoutTheSandbox(t *testing.T) {
	t.Parallel()
	env := apptest.Start(t, store.SQLite, func(c *config.Config) { c.Sandbox = "false" })
	addUser(t, env, "ana@example.com", "admin")
	b := newBrowser(t, env)
	b.login("ana@example.com", "correct horse battery")
	status, _, _ := b.do(http.MethodGet, "/sandbox", nil, nil)
	require.Equal(t, http.StatusNotFound, status)
	status, _, _ = b.do(http.MethodPost, "/sandbox/ui/send", url.Values{"text": {"x"}}, nil)
	require.Equal(t, http.StatusNotFound, status)
	_, _, body := b.do(http.MethodGet, "/inbox", nil, nil)
	require.NotContains(t, body, `href="/sandbox"`)
}
