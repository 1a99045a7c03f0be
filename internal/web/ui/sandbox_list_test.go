package ui_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestSandboxPagePicksAListRow shows the sandbox page offers the rows of
// the business's list message (under its button's text, with sections
// and descriptions, open as the newest message) and of an earlier
// message's reply buttons; picking a row reaches zapflow as a list_reply
// answering that list, and a row the list does not have is refused
// beside the chat with nothing sent.
func TestSandboxPagePicksAListRow(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "agent")
		b := newBrowser(t, env)
		b.login("ana@example.com", "correct horse battery")
		sender := env.App.Sandbox.Senders()[0]
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
		status, _, _ := b.do(http.MethodPost, "/sandbox/ui/send", form(map[string]string{"do": "text", "text": "Quero marcar"}), nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in'`) == 1 }, "the text is stored")

		send := func(interactive map[string]any) {
			t.Helper()
			var out map[string]any
			require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/messages", map[string]any{"type": "interactive",
				"sender": sender.PhoneNumberID, "to": "+5511977776666", "wait": true, "interactive": interactive}, &out), out)
		}
		send(map[string]any{"type": "button", "body": map[string]any{"text": "Consulta ou exame?"}, "action": map[string]any{"buttons": []any{
			map[string]any{"type": "reply", "reply": map[string]any{"id": "consulta", "title": "Consulta"}}}}})
		send(map[string]any{"type": "list", "body": map[string]any{"text": "Qual horário?"},
			"action": map[string]any{"button": "Ver horários", "sections": []any{
				map[string]any{"title": "Manhã", "rows": []any{map[string]any{"id": "9h", "title": "09:00", "description": "Dra. Beatriz"}}},
				map[string]any{"title": "Tarde", "rows": []any{map[string]any{"id": "15h", "title": "15:00"}}}}}})
		var chat string
		env.Eventually(func() bool {
			_, _, chat = b.do(http.MethodGet, "/sandbox/ui/chat?"+customer.Encode(), nil, nil)
			return strings.Contains(chat, "Qual horário?")
		}, "the chat shows the list")
		require.Regexp(t, `<details class="sb-list" open><summary>Ver horários</summary>`, chat, "the newest message's list is open")
		require.Regexp(t, `<p class="sb-section">Manhã</p> ?<button type="submit" name="row" value="9h" class="sb-pick"><span class="sb-pick-title">09:00</span> ?<span class="sb-pick-description">Dra. Beatriz</span>`, chat)
		require.Contains(t, chat, `<p class="sb-section">Tarde</p>`)
		require.Contains(t, chat, `>Consulta</button>`, "the earlier message's reply button is still there")
		m := regexp.MustCompile(`name="message" value="([^"]+)"`).FindStringSubmatch(chat)
		require.NotNil(t, m)
		list := html.UnescapeString(m[1])
		sent := env.App.Sandbox.Sent()
		require.Equal(t, sent[len(sent)-1].WAMID, list, "the pick form names the list message")

		status, _, body := b.do(http.MethodPost, "/sandbox/ui/pick", form(map[string]string{"message": list, "row": "16h"}), nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="sb-choice-error"`)
		require.Contains(t, body, "The business did not offer that answer")
		status, _, _ = b.do(http.MethodPost, "/sandbox/ui/pick", form(map[string]string{"message": list, "row": "15h"}), nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in' AND type = 'interactive'`) == 1
		}, "the pick is stored as an interactive message")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in' AND type = 'interactive'
			AND content LIKE '%"list_reply"%' AND content LIKE '%"15h"%'`))
		require.Len(t, env.App.Sandbox.Received(), 2, "the refused pick sent nothing")

		_, _, page := b.do(http.MethodGet, "/sandbox?"+customer.Encode(), nil, map[string]string{"Accept-Language": "pt-BR"})
		require.Contains(t, page, `<p class="sb-text">15:00</p>`, "the customer's pick shows as its row's title")
		require.Contains(t, page, "escolha uma opção da lista")
	})
}
