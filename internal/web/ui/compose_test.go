package ui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store"
)

// composeChat signs in an agent and plays a sandbox customer who writes
// in; it returns the agent's browser and the conversation id.
func composeChat(t *testing.T, env *apptest.Env) (*browser, string) {
	t.Helper()
	addUser(t, env, "ana@example.com", "agent")
	b := newBrowser(t, env)
	status, _, _ := b.login("ana@example.com", "correct horse battery")
	require.Equal(t, http.StatusSeeOther, status)
	sender := env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Ana Cliente", "Olá, tudo bem?")
	require.NoError(t, err)
	env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM conversations`) == 1 }, "the conversation is stored")
	var conv string
	require.NoError(t, env.App.DB.Read().QueryRow(context.Background(), `SELECT CAST(id AS TEXT) FROM conversations`).Scan(&conv))
	return b, conv
}

// closeWindow ends the 24-hour window as if the customer wrote long ago.
func closeWindow(t *testing.T, env *apptest.Env) {
	t.Helper()
	require.NoError(t, env.App.DB.InTx(context.Background(), func(tx store.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE conversations SET window_expires_at = 1`)
		return err
	}))
}

func sentTo(env *apptest.Env, match func(text, template string, params []string) bool) bool {
	for _, m := range env.App.Sandbox.Sent() {
		if match(m.Text, m.TemplateName, m.Params) {
			return true
		}
	}
	return false
}

// TestClosedWindowOffersTemplatesAndSendsOne shows a closed window's reply
// box: no free text, the sender's approved templates with a field per
// variable and a server-rendered preview; a template sent from it reaches
// the sandbox with the variables, and a missing variable is refused with
// its fix and the typed values kept.
func TestClosedWindowOffersTemplatesAndSendsOne(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b, conv := composeChat(t, env)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM templates WHERE name = 'call_followup' AND status = 'APPROVED'`) == 1
		}, "the sandbox's templates are synced")
		closeWindow(t, env)

		status, _, body := b.do(http.MethodGet, "/inbox/"+conv+"?template=call_followup|pt_BR", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, `action="/inbox/`+conv+`/reply"`, "no free text outside the window")
		require.Contains(t, body, `action="/inbox/`+conv+`/template"`)
		require.Contains(t, body, "call_followup")
		require.Contains(t, body, `name="var.1"`)
		require.Contains(t, body, `name="var.2"`)
		require.Contains(t, body, "Olá {{1}}, obrigado pela ligação de hoje com {{2}}", "the preview before anything is typed")

		form := url.Values{"template": {"call_followup|pt_BR"}, "var.1": {"Bruna"}, "var.2": {"Carlos"}, "op": {"preview"}}
		status, _, body = b.do(http.MethodPost, "/inbox/"+conv+"/template", form, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Olá Bruna, obrigado pela ligação de hoje com Carlos", "the server renders the preview")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`), "a preview sends nothing")

		form.Set("var.2", "")
		form.Set("op", "send")
		status, _, body = b.do(http.MethodPost, "/inbox/"+conv+"/template", form, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `data-code="invalid_variables"`)
		require.Contains(t, body, "Fill in every variable of the template")
		require.Contains(t, body, `value="Bruna"`, "the typed variables are kept")

		form.Set("var.2", "Carlos")
		status, h, _ := b.do(http.MethodPost, "/inbox/"+conv+"/template", form, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/inbox/"+conv, h.Get("Location"))
		env.Eventually(func() bool {
			return sentTo(env, func(_, tpl string, params []string) bool {
				return tpl == "call_followup" && strings.Join(params, ",") == "Bruna,Carlos"
			})
		}, "the sandbox received the template with its variables")
	})
}

// TestReplyBoxNamedErrorsKeepTheDraft shows an open window's free text is
// sent, and refused sends name their error with its fix, keeping the
// draft: a text outside the window, a text too long.
func TestReplyBoxNamedErrorsKeepTheDraft(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b, conv := composeChat(t, env)
		status, _, body := b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "left to reply", "the time left shows while the window is open")
		status, _, _ = b.do(http.MethodPost, "/inbox/"+conv+"/reply", url.Values{"text": {"Tudo ótimo!"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool {
			return sentTo(env, func(text, _ string, _ []string) bool { return text == "Tudo ótimo!" })
		}, "the sandbox received the reply")

		long := strings.Repeat("y", 4097)
		status, _, body = b.do(http.MethodPost, "/inbox/"+conv+"/reply", url.Values{"text": {long}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `data-code="message_too_long"`)
		require.Contains(t, body, "Shorten the message")
		require.Contains(t, body, long, "the draft is kept")

		closeWindow(t, env)
		status, _, body = b.do(http.MethodPost, "/inbox/"+conv+"/reply", url.Values{"text": {"Ainda aí?"}},
			map[string]string{"Accept-Language": "pt-BR"})
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `data-code="outside_window"`)
		require.Contains(t, body, "envie um modelo aprovado", "the fix in the agent's language")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`), "nothing else was queued")
	})
}

// TestRetrySendsAFailedMessageAgain shows a message WhatsApp refused
// offers Retry; retrying queues a new message with the same text that
// reaches the sandbox, and the failed one stays failed.
func TestRetrySendsAFailedMessageAgain(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b, conv := composeChat(t, env)
		env.App.Sandbox.FailNext(env.App.Sandbox.Senders()[0].PhoneNumberID, 1, 131009)
		status, _, _ := b.do(http.MethodPost, "/inbox/"+conv+"/reply", url.Values{"text": {"Segue o orçamento"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'failed'`) == 1
		}, "the send failed")
		var failed string
		require.NoError(t, env.App.DB.Read().QueryRow(context.Background(),
			`SELECT CAST(id AS TEXT) FROM messages WHERE direction = 'out' AND status = 'failed'`).Scan(&failed))

		_, _, body := b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Contains(t, body, `action="/inbox/`+conv+`/retry/`+failed+`"`)

		status, h, _ := b.do(http.MethodPost, "/inbox/"+conv+"/retry/"+failed, url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/inbox/"+conv, h.Get("Location"))
		env.Eventually(func() bool {
			return sentTo(env, func(text, _ string, _ []string) bool { return text == "Segue o orçamento" })
		}, "the retry reached the sandbox")
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out' AND summary = 'Segue o orçamento'`))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'failed'`), "the failed one stays failed")

		status, _, _ = b.do(http.MethodPost, "/inbox/"+conv+"/retry/999999", url.Values{}, nil)
		require.Equal(t, http.StatusNotFound, status)
	})
}

// TestAIMenuSuggestsAndSendsNothing shows the ✨ menu answers with the
// sandbox model's suggestion, as JSON for the script and in the reply box
// without it, and nothing reaches the customer until the agent sends.
func TestAIMenuSuggestsAndSendsNothing(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b, conv := composeChat(t, env)
		_, _, body := b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Contains(t, body, `id="ai-choice"`, "AI is on: the menu shows")
		require.Contains(t, body, `value="translate:Spanish"`)
		require.Contains(t, body, `value="tone:empathetic"`)

		form := url.Values{"text": {"seu pedido chega amanha"}, "ai": {"tone:friendly"}}
		status, _, raw := b.do(http.MethodPost, "/inbox/"+conv+"/ai", form, map[string]string{"Accept": "application/json"})
		require.Equal(t, http.StatusOK, status, raw)
		var out struct {
			Text string `json:"text"`
		}
		require.NoError(t, json.Unmarshal([]byte(raw), &out))
		require.True(t, strings.HasPrefix(out.Text, "[sandbox]"), out.Text)

		form.Set("ai", "fix_grammar")
		status, _, body = b.do(http.MethodPost, "/inbox/"+conv+"/ai", form, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `name="text"`)
		require.Contains(t, body, ">[sandbox]", "the suggestion fills the reply box")
		require.Contains(t, body, `value="fix_grammar" selected`)

		form.Set("text", "")
		status, _, raw = b.do(http.MethodPost, "/inbox/"+conv+"/ai", form, map[string]string{"Accept": "application/json"})
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, raw, `"code":"invalid_request"`)
		require.Contains(t, raw, `"fix":"Write the message`)

		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`), "nothing is sent by the menu")

		off := false
		_, err := env.App.AI.UpdateAISettings(context.Background(), ai.AISettingsInput{Enabled: &off})
		require.NoError(t, err)
		_, _, body = b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.NotContains(t, body, `id="ai-choice"`, "AI is off: no menu")
		form.Set("text", "oi")
		status, _, body = b.do(http.MethodPost, "/inbox/"+conv+"/ai", form, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `data-code="ai_disabled"`)
		require.Contains(t, body, "enable AI and set an API key", "the error shows with its fix")
		require.Contains(t, body, ">oi</textarea>", "the draft is kept")
		status, _, _ = b.do(http.MethodPost, "/inbox/"+conv+"/reply", url.Values{"text": {out.Text}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool {
			return sentTo(env, func(text, _ string, _ []string) bool { return text == out.Text })
		}, "the agent's send delivers the suggestion")
	})
}
