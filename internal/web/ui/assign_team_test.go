package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store"
)

// TestAutoAssignTakesTurnsAndSkipsAwayAgents shows that with automatic
// assignment on, new conversations alternate between the two available
// agents (never the away one, never an admin), each recorded as
// automatic, and a customer's next message does not reassign.
func TestAutoAssignTakesTurnsAndSkipsAwayAgents(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		supportAgents(t, env, agent.SupportAgentsSettings{AutoAssign: true})
		var ids []int64
		for _, email := range []string{"a@example.com", "b@example.com", "away@example.com"} {
			u, err := env.App.Agents.CreateUser(ctx, email, email, agent.RoleAgent, "correct horse battery")
			require.NoError(t, err)
			ids = append(ids, u.ID)
		}
		require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE users SET away = ? WHERE id = ?`, true, ids[2])
			return err
		}))
		for _, phone := range []string{"+5511900000001", "+5511900000002", "+5511900000003", "+5511900000004"} {
			customerWrites(t, env, phone, "Cliente", "oi")
		}
		customerWrites(t, env, "+5511900000001", "Cliente", "de novo")

		rows, err := env.App.DB.Read().Query(ctx, `SELECT a.user_id, a.by_user_id, a.automatic, c.assigned_user_id
			FROM assignments a JOIN conversations c ON c.id = a.conversation_id ORDER BY a.conversation_id, a.id`)
		require.NoError(t, err)
		defer rows.Close()
		var got []int64
		for rows.Next() {
			var user, by, current int64
			var auto bool
			require.NoError(t, rows.Scan(&user, &by, &auto, &current))
			require.True(t, auto, "recorded as automatic")
			require.Zero(t, by, "by nobody")
			require.Equal(t, user, current)
			got = append(got, user)
		}
		require.NoError(t, rows.Err())
		require.Equal(t, []int64{ids[0], ids[1], ids[0], ids[1]}, got, "round-robin, skipping the away agent, once per new conversation")
	})
}

// TestResolveAndReopen shows a resolved chat leaves the open list for the
// resolved one, can be reopened by hand, and is reopened by the
// customer's next message.
func TestResolveAndReopen(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		admin := newMember(t, env, "boss@example.com", agent.RoleAdmin)
		conv := customerWrites(t, env, "+5511977776666", "Carla Cliente", "Pedido entregue, obrigada")

		status, _, _ := admin.b.do(http.MethodPost, "/inbox/"+conv+"/resolve", url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM conversations WHERE resolved_at > 0`))
		_, _, body := admin.b.do(http.MethodGet, "/inbox", nil, nil)
		require.NotContains(t, body, "Carla Cliente", "the open list leaves it out")
		_, _, body = admin.b.do(http.MethodGet, "/inbox?filter=resolved", nil, nil)
		require.Contains(t, body, "Carla Cliente")
		_, _, body = admin.b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Contains(t, body, `action="/inbox/`+conv+`/reopen"`)

		status, _, _ = admin.b.do(http.MethodPost, "/inbox/"+conv+"/reopen", url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM conversations WHERE resolved_at > 0`))

		status, _, _ = admin.b.do(http.MethodPost, "/inbox/"+conv+"/resolve", url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		customerWrites(t, env, "+5511977776666", "Carla Cliente", "Na verdade, veio errado")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM conversations WHERE resolved_at > 0`), "the customer's message reopened it")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM live_events WHERE kind = 'conversation' AND user_id = 0`),
			"the automatic reopen is a live event")
	})
}

// TestNotesStayInTheTeam shows an internal note appears in the chat for
// the team and never reaches the customer, and an empty one is refused
// next to its field.
func TestNotesStayInTheTeam(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		admin := newMember(t, env, "boss@example.com", agent.RoleAdmin)
		conv := customerWrites(t, env, "+5511966665555", "Dora Cliente", "Meu pedido atrasou")
		const note = "Cliente VIP: não cobrar o frete"

		status, _, _ := admin.b.do(http.MethodPost, "/inbox/"+conv+"/notes", url.Values{"body": {note}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		_, _, body := admin.b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Contains(t, body, "Cliente VIP: não cobrar o frete")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM live_events WHERE kind = 'note'`))

		status, _, _ = admin.b.do(http.MethodPost, "/inbox/"+conv+"/reply", url.Values{"text": {"Já verifiquei, chega amanhã"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		env.Eventually(func() bool { return len(env.App.Sandbox.Sent()) > 0 }, "the reply reached the sandbox")
		for _, m := range env.App.Sandbox.Sent() {
			require.NotContains(t, m.Text, "frete", "a note is never sent")
		}
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages WHERE summary LIKE '%frete%'`))

		status, _, body = admin.b.do(http.MethodPost, "/inbox/"+conv+"/notes", url.Values{"body": {"   "}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="note-problem"`)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM notes`))
	})
}

// TestInboxSearchAndUnread shows the list finds a chat by message text,
// name and number, and a chat's unread count drops once it is opened.
func TestInboxSearchAndUnread(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		agentOne := newMember(t, env, "one@example.com", agent.RoleAgent)
		ana := customerWrites(t, env, "+5511955554444", "Ana Cliente", "Quero uma pizza de calabresa")
		bruno := customerWrites(t, env, "+5511944443333", "Bruno Cliente", "Qual o horário?")
		customerWrites(t, env, "+5511944443333", "Bruno Cliente", "Vocês abrem domingo?")

		for q, want := range map[string]string{"CALABRESA": ana, "bruno": bruno, "5554444": ana} {
			_, _, body := agentOne.b.do(http.MethodGet, "/inbox?q="+url.QueryEscape(q), nil, nil)
			require.Contains(t, body, `id="c`+want+`"`, q)
			require.Equal(t, 1, strings.Count(body, `<li class="`), "only the match: %s", q)
		}

		row := func(conv string) string {
			_, _, body := agentOne.b.do(http.MethodGet, "/inbox", nil, nil)
			m := regexp.MustCompile(`(?s)<li[^>]*id="c` + conv + `".*?</li>`).FindString(body)
			require.NotEmpty(t, m)
			return m
		}
		require.Contains(t, row(bruno), `class="unread-count"`)
		require.Regexp(t, `unread-count"[^>]*>2<`, row(bruno), "two unread messages")
		require.Contains(t, row(bruno), "Vocês abrem domingo?", "the preview is the latest message")

		status, _, _ := agentOne.b.do(http.MethodGet, "/inbox/"+bruno, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, row(bruno), "unread-count", "read once opened")
		require.Contains(t, row(ana), "unread-count", "the other chat is still unread")

		customerWrites(t, env, "+5511944443333", "Bruno Cliente", "Alô?")
		require.Regexp(t, `unread-count"[^>]*>1<`, row(bruno), "a new message is unread again")
	})
}

// TestAgentTable shows the per-agent table counts an agent's replies and
// is refused to an agent without the status permission.
func TestAgentTable(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		admin := newMember(t, env, "boss@example.com", agent.RoleAdmin)
		one := newMember(t, env, "one@example.com", agent.RoleAgent)
		conv := customerWrites(t, env, "+5511933332222", "Eva Cliente", "Oi")
		status, _, _ := one.b.do(http.MethodPost, "/inbox/"+conv+"/reply", url.Values{"text": {"Olá Eva!"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)

		status, _, _ = one.b.do(http.MethodGet, "/inbox/agents", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		status, _, body := admin.b.do(http.MethodGet, "/inbox/agents", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Regexp(t, `(?s)<th scope="row">Agent one@example.com</th>\s*<td>0</td>\s*<td>1</td>\s*<td>[^—<]+</td>`, body,
			"no open chat assigned, one reply, a first-response time")
		status, _, body = admin.b.do(http.MethodGet, "/inbox/agents?from=2026-02-10&to=2026-02-01", nil, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="stats-problem"`)
	})
}
