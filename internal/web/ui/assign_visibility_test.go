package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store"
)

// TestRestrictedChatsAreHiddenFromOtherAgents shows that with chats
// restricted to the assigned agent, a second agent cannot see or answer
// the first agent's chat anywhere: the list, the page (404), the reply
// and note actions, the REST API (404 and 403 for a send) and CanSee;
// reassigning moves the chat and shows in its history.
func TestRestrictedChatsAreHiddenFromOtherAgents(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		supportAgents(t, env, agent.SupportAgentsSettings{RestrictToAssigned: true})
		admin := newMember(t, env, "boss@example.com", agent.RoleAdmin)
		one := newMember(t, env, "one@example.com", agent.RoleAgent)
		two := newMember(t, env, "two@example.com", agent.RoleAgent)
		conv := customerWrites(t, env, "+5511988887777", "Ana Cliente", "Olá, preciso de ajuda")
		convID, _ := strconv.ParseInt(conv, 10, 64)

		// Unassigned: everyone sees it.
		_, _, body := two.b.do(http.MethodGet, "/inbox", nil, nil)
		require.Contains(t, body, "Ana Cliente", "an unassigned chat is everyone's")

		status, _, _ := admin.b.do(http.MethodPost, "/inbox/"+conv+"/assign", url.Values{"user_id": {strconv.FormatInt(one.ID, 10)}}, nil)
		require.Equal(t, http.StatusSeeOther, status)

		_, _, body = one.b.do(http.MethodGet, "/inbox", nil, nil)
		require.Contains(t, body, "Ana Cliente")
		status, _, body = one.b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Agent one@example.com", "the chat header names the owner")

		_, _, body = two.b.do(http.MethodGet, "/inbox", nil, nil)
		require.NotContains(t, body, "Ana Cliente", "another agent's chat is not listed")
		for _, path := range []string{"/inbox/" + conv, "/inbox/" + conv + "?filter=all"} {
			status, _, _ = two.b.do(http.MethodGet, path, nil, nil)
			require.Equal(t, http.StatusNotFound, status, path)
		}
		for _, action := range []string{"reply", "notes", "resolve", "assign"} {
			status, _, _ = two.b.do(http.MethodPost, "/inbox/"+conv+"/"+action, url.Values{"text": {"oi"}, "body": {"oi"}, "user_id": {"0"}}, nil)
			require.Equal(t, http.StatusNotFound, status, action)
		}
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages`), "nothing was sent")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM notes`))

		status, body = two.api(t, env, http.MethodGet, "/api/v1/conversations", nil)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, "+5511988887777")
		for _, path := range []string{"/api/v1/conversations/" + conv, "/api/v1/conversations/" + conv + "/bot"} {
			status, _ = two.api(t, env, http.MethodGet, path, nil)
			require.Equal(t, http.StatusNotFound, status, path)
		}
		status, _ = two.api(t, env, http.MethodPost, "/api/v1/conversations/"+conv+"/bot/pause", nil)
		require.Equal(t, http.StatusNotFound, status)
		var firstMessage string
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT CAST(MIN(id) AS TEXT) FROM messages`).Scan(&firstMessage))
		status, _ = two.api(t, env, http.MethodGet, "/api/v1/messages/"+firstMessage, nil)
		require.Equal(t, http.StatusNotFound, status)
		status, body = two.api(t, env, http.MethodPost, "/api/v1/messages", map[string]any{
			"sender": env.App.Sandbox.Senders()[0].PhoneNumberID, "to": "+5511988887777", "type": "text", "text": "sou eu"})
		require.Equal(t, http.StatusForbidden, status, body)
		require.Contains(t, body, "conversation_restricted")

		status, body = one.api(t, env, http.MethodGet, "/api/v1/conversations/"+conv, nil)
		require.Equal(t, http.StatusOK, status, body)
		status, body = one.api(t, env, http.MethodGet, "/api/v1/conversations", nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "+5511988887777")

		seen, err := env.App.Messaging.CanSee(ctx, two.User, convID)
		require.NoError(t, err)
		require.False(t, seen, "the event stream's check")
		seen, err = env.App.Messaging.CanSee(ctx, one.User, convID)
		require.NoError(t, err)
		require.True(t, seen)

		// An agent who may see it but not assign cannot take it.
		status, _, _ = one.b.do(http.MethodPost, "/inbox/"+conv+"/assign", url.Values{"user_id": {strconv.FormatInt(one.ID, 10)}}, nil)
		require.Equal(t, http.StatusForbidden, status)

		// Reassigned: it moves to the second agent.
		status, _, _ = admin.b.do(http.MethodPost, "/inbox/"+conv+"/assign", url.Values{"user_id": {strconv.FormatInt(two.ID, 10)}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		status, _, _ = two.b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Equal(t, http.StatusOK, status)
		status, _, _ = one.b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Equal(t, http.StatusNotFound, status)
		status, body = one.api(t, env, http.MethodGet, "/api/v1/conversations/"+conv, nil)
		require.Equal(t, http.StatusNotFound, status, body)

		_, _, body = admin.b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Regexp(t, `(?s)id="assign-history".*Agent one@example.com.*by Agent boss@example.com.*Agent two@example.com.*by Agent boss@example.com`, body)
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM assignments WHERE conversation_id = ? AND by_user_id = ?`, convID, admin.ID))
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM live_events WHERE kind = 'assigned' AND conversation_id = ?`, convID))

		// An admin (every permission) sees every chat; so does an agent
		// granted view_all_chats.
		require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE users SET permissions = '["view_all_chats"]' WHERE id = ?`, one.ID)
			return err
		}))
		status, _, _ = one.b.do(http.MethodGet, "/inbox/"+conv, nil, nil)
		require.Equal(t, http.StatusOK, status, "view_all_chats lifts the restriction")
	})
}
