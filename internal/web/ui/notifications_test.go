package ui_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
)

// TestNotificationBell raises a notification about a failed message: it
// reaches a signed-in agent's event stream, the bell counts it, opening
// it goes to the message in its chat and reads it for that agent only,
// and dismissing hides it from that agent's list.
func TestNotificationBell(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		addUser(t, env, "ana@example.com", "agent")
		addUser(t, env, "bia@example.com", "agent")
		ana, bia := newBrowser(t, env), newBrowser(t, env)
		ana.login("ana@example.com", "correct horse battery")
		bia.login("bia@example.com", "correct horse battery")

		s := ana.openStream("/events", nil)
		sender := env.App.Sandbox.Senders()[0].PhoneNumberID
		_, err := env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Cliente", "Oi")
		require.NoError(t, err)
		require.Equal(t, "inbound", s.next().Kind)
		var conv, msg int64
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT conversation_id, id FROM messages WHERE direction = 'in'`).Scan(&conv, &msg))

		require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
			return notify.Add(ctx, tx, notify.KindSendFailed, "A message could not be sent", "Meta refused it.",
				"message:"+strconv.FormatInt(msg, 10), time.Now())
		}))
		ev := s.next()
		require.Equal(t, notify.LiveKind, ev.Kind, "the bell hears of it live")
		require.Zero(t, ev.Data.ConversationID)

		status, _, body := ana.do(http.MethodGet, "/notifications/count", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.JSONEq(t, `{"unread":1}`, body)
		_, _, body = ana.do(http.MethodGet, "/inbox", nil, nil)
		require.Contains(t, body, `data-unread="1"`)

		var id int64
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT id FROM notifications`).Scan(&id))
		nid := strconv.FormatInt(id, 10)
		status, h, _ := ana.do(http.MethodGet, "/notifications/"+nid+"/open", nil, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/inbox/"+strconv.FormatInt(conv, 10)+"#m"+strconv.FormatInt(msg, 10), h.Get("Location"))
		_, _, body = ana.do(http.MethodGet, "/notifications/count", nil, nil)
		require.JSONEq(t, `{"unread":0}`, body, "opening reads it")
		_, _, body = bia.do(http.MethodGet, "/notifications/count", nil, nil)
		require.JSONEq(t, `{"unread":1}`, body, "for that agent only")

		status, _, body = bia.do(http.MethodGet, "/notifications", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "A message could not be sent")
		status, h, _ = bia.do(http.MethodPost, "/notifications/"+nid+"/dismiss", nil, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/notifications", h.Get("Location"))
		_, _, body = bia.do(http.MethodGet, "/notifications", nil, nil)
		require.NotContains(t, body, "A message could not be sent", "dismissed")
		_, _, body = bia.do(http.MethodGet, "/notifications?dismissed=1", nil, nil)
		require.Contains(t, body, "A message could not be sent")
		_, _, body = ana.do(http.MethodGet, "/notifications", nil, nil)
		require.Contains(t, body, "A message could not be sent", "still on the other agent's list")

		status, _, _ = ana.do(http.MethodPost, "/notifications/999999/read", nil, nil)
		require.Equal(t, http.StatusNotFound, status)
		status, _, _ = ana.do(http.MethodPost, "/notifications/"+nid+"/read", nil, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		require.Equal(t, http.StatusForbidden, status, "other sites cannot post")
		anon := newBrowser(t, env)
		status, _, _ = anon.do(http.MethodGet, "/notifications", nil, nil)
		require.Equal(t, http.StatusSeeOther, status, "needs a session")

		// A template's notification opens the templates.
		require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
			return notify.Add(ctx, tx, notify.KindTemplateCategory, "A template's category changed", "Meta moved it.",
				"template:278077987957091", time.Now())
		}))
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT MAX(id) FROM notifications`).Scan(&id))
		status, h, _ = ana.do(http.MethodGet, "/notifications/"+strconv.FormatInt(id, 10)+"/open", nil, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/templates", h.Get("Location"))
	})
}
