package ui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/web/ui"
)

// TestEventStreamDeliversAnInboundMessage shows a sandbox customer's
// message reaches a signed-in browser's event stream, the event names the
// stored message, and its fragment renders it; without a session the
// stream is refused.
func TestEventStreamDeliversAnInboundMessage(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		anon := newBrowser(t, env)
		status, _, _ := anon.do(http.MethodGet, "/events", nil, map[string]string{"Accept": "text/event-stream"})
		require.Equal(t, http.StatusUnauthorized, status)

		addUser(t, env, "ana@example.com", "agent")
		b := newBrowser(t, env)
		b.login("ana@example.com", "correct horse battery")
		s := b.openStream("/events", nil)

		sender := env.App.Sandbox.Senders()[0].PhoneNumberID
		_, err := env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Ana Cliente", "Chegou ao vivo?")
		require.NoError(t, err)
		ev := s.next()
		require.Equal(t, live.KindInbound, ev.Kind)
		var conv, msg int64
		require.NoError(t, env.App.DB.Read().QueryRow(context.Background(), `SELECT conversation_id, id FROM messages WHERE direction = 'in'`).
			Scan(&conv, &msg))
		require.Equal(t, conv, ev.Data.ConversationID)
		require.Equal(t, msg, ev.Data.MessageID)

		path := "/inbox/" + strconv.FormatInt(conv, 10) + "/messages/" + strconv.FormatInt(msg, 10)
		status, _, body := b.do(http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Chegou ao vivo?")
		require.Contains(t, body, `id="m`+strconv.FormatInt(msg, 10)+`"`)
		status, _, _ = anon.do(http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusSeeOther, status, "fragments need a session")
		status, _, _ = b.do(http.MethodGet, "/inbox/"+strconv.FormatInt(conv+1, 10)+"/messages/"+strconv.FormatInt(msg, 10), nil, nil)
		require.Equal(t, http.StatusNotFound, status, "a message is only shown under its own conversation")

		status, _, body = b.do(http.MethodGet, "/inbox/list", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Ana Cliente")
		require.NotContains(t, body, "<html", "a fragment, not a page")
	})
}

// TestEventStreamResumesAfterLastEventID shows a browser that reconnects
// with the last id it saw gets exactly the events it missed, each once,
// then the live ones.
func TestEventStreamResumesAfterLastEventID(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "agent")
		b := newBrowser(t, env)
		b.login("ana@example.com", "correct horse battery")

		first := b.openStream("/events", nil)
		appendEvent(t, env, live.KindNote, 1)
		seen := first.next()
		require.Equal(t, int64(1), seen.Data.ConversationID)
		first.close()

		for conv := int64(2); conv <= 4; conv++ { // missed while away
			appendEvent(t, env, live.KindNote, conv)
		}
		again := b.openStream("/events", map[string]string{"Last-Event-ID": strconv.FormatInt(seen.ID, 10)})
		var got []int64
		for range 3 {
			got = append(got, again.next().Data.ConversationID)
		}
		require.Equal(t, []int64{2, 3, 4}, got, "every missed event, in order")
		appendEvent(t, env, live.KindNote, 5)
		require.Equal(t, int64(5), again.next().Data.ConversationID, "then the live one, nothing repeated before it")

		// A first connection passes the id in the URL (EventSource sends
		// the header only when it reconnects).
		viaQuery := b.openStream("/events?last_event_id="+strconv.FormatInt(seen.ID, 10), nil)
		require.Equal(t, int64(2), viaQuery.next().Data.ConversationID)
	})
}

// TestEventStreamSendsOnlyConversationsTheUserMaySee shows the stream and
// the fragments ask CanSee: a refused conversation's events never reach
// the browser and its fragments answer 404.
func TestEventStreamSendsOnlyConversationsTheUserMaySee(t *testing.T) {
	env := apptest.Start(t, store.SQLite)
	addUser(t, env, "ana@example.com", "agent")
	a := env.App
	hidden := int64(1)
	web := ui.New(ui.Deps{Agents: a.Agents, Accounts: a.Accounts, Messaging: a.Messaging, Outbox: a.Outbox, AI: a.AI, Settings: a.Settings,
		DB: a.DB, Live: a.Live, Broker: a.LiveBroker, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		CanSee: func(_ context.Context, u agent.User, conv int64) (bool, error) {
			return !(u.Email == "ana@example.com" && conv == hidden), nil
		}})
	mux := http.NewServeMux()
	web.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	b := &browser{t: t, base: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	status, _, _ := b.login("ana@example.com", "correct horse battery")
	require.Equal(t, http.StatusSeeOther, status)
	// This stream is served here, not by the app, whose Run starts the
	// broker in the background: the broker follows the event table from
	// its end when it starts, so events committed before that are not
	// streamed (no stream of the app's could have been open). The app
	// answers only once its broker runs.
	require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/healthz", nil, nil))

	s := b.openStream("/events", nil)
	appendEvent(t, env, live.KindNote, hidden)
	appendEvent(t, env, live.KindNote, 2)
	require.Equal(t, int64(2), s.next().Data.ConversationID, "the hidden conversation's event was skipped")

	for _, path := range []string{"/inbox/1/messages/1", "/inbox/1/messages?before=5"} {
		status, _, _ = b.do(http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusNotFound, status, path)
	}
}

// TestEventsReachAStreamOnAnotherInstance runs two zapflows on one
// PostgreSQL database: a customer's message received by the first reaches
// a browser connected to the second.
func TestEventsReachAStreamOnAnotherInstance(t *testing.T) {
	if !hasPostgres() {
		t.Skip(storetest.PostgresURLEnv + " not set")
	}
	t.Parallel()
	one := apptest.Start(t, store.Postgres)
	two := apptest.Start(t, store.Postgres, apptest.SameDatabase(one))
	addUser(t, two, "ana@example.com", "agent")
	b := newBrowser(t, two)
	b.login("ana@example.com", "correct horse battery")
	s := b.openStream("/events", nil)

	sender := one.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := one.App.Sandbox.CustomerWrites(sender, "+5511977776666", "Bia", "Oi do outro servidor")
	require.NoError(t, err)
	ev := s.next()
	require.Equal(t, live.KindInbound, ev.Kind)
	var text string
	require.NoError(t, two.App.DB.Read().QueryRow(context.Background(), `SELECT summary FROM messages WHERE id = ?`, ev.Data.MessageID).Scan(&text))
	require.Equal(t, "Oi do outro servidor", text)
}

// TestOlderMessagesLoadPageByPage shows the scroll back returns the
// messages before the oldest one shown, oldest first, and says when there
// are no more.
func TestOlderMessagesLoadPageByPage(t *testing.T) {
	env := apptest.Start(t, store.SQLite)
	addUser(t, env, "ana@example.com", "agent")
	b := newBrowser(t, env)
	b.login("ana@example.com", "correct horse battery")
	sender := env.App.Sandbox.Senders()[0].PhoneNumberID
	for _, text := range []string{"primeira", "segunda", "terceira"} {
		_, err := env.App.Sandbox.CustomerWrites(sender, "+5511966665555", "Caio", text)
		require.NoError(t, err)
		env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages WHERE summary = ?`, text) == 1 }, text)
	}
	var conv, third int64
	require.NoError(t, env.App.DB.Read().QueryRow(context.Background(), `SELECT conversation_id, id FROM messages WHERE summary = 'terceira'`).
		Scan(&conv, &third))
	status, _, body := b.do(http.MethodGet, "/inbox/"+strconv.FormatInt(conv, 10)+"/messages?before="+strconv.FormatInt(third, 10), nil, nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "primeira")
	require.Contains(t, body, "segunda")
	require.NotContains(t, body, "terceira")
	require.Less(t, indexOf(body, "primeira"), indexOf(body, "segunda"), "oldest first")
	require.Contains(t, body, `data-more="off"`)
}

// TestSoundFollowsTheAdminDefault shows a user who never chose hears the
// alert when the team default is on (the page tells live.js so).
func TestSoundFollowsTheAdminDefault(t *testing.T) {
	env := apptest.Start(t, store.SQLite)
	addUser(t, env, "ana@example.com", "agent")
	b := newBrowser(t, env)
	b.login("ana@example.com", "correct horse battery")
	_, _, body := b.do(http.MethodGet, "/inbox", nil, nil)
	require.Contains(t, body, `data-sound="on"`)
}

// TestPageStreamBeginsWhereThePageWasRead shows a signed-in page carries
// the live position it was read at (data-live-after), and a stream that
// starts there replays what came while the page loaded: an event
// committed after the page was read, before the browser connected,
// arrives, and none the page already showed. At 0 (no event yet) the
// stream replays from the first event.
func TestPageStreamBeginsWhereThePageWasRead(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "ana@example.com", "agent")
		b := newBrowser(t, env)
		_, _, body := b.do(http.MethodGet, "/login", nil, nil)
		require.NotContains(t, body, "data-live-after", "no stream before signing in")
		b.login("ana@example.com", "correct horse battery")

		require.Zero(t, lastEventID(t, env))
		after := livePosition(t, b)
		require.Zero(t, after, "no event yet")
		appendEvent(t, env, live.KindNote, 1) // while the page loads
		s := b.openStream("/events?last_event_id="+strconv.FormatInt(after, 10), nil)
		require.Equal(t, int64(1), s.next().Data.ConversationID, "the event that came before the stream did")

		after = livePosition(t, b)
		require.Equal(t, lastEventID(t, env), after, "the page was read after event 1")
		appendEvent(t, env, live.KindNote, 2)
		again := b.openStream("/events?last_event_id="+strconv.FormatInt(after, 10), nil)
		require.Equal(t, int64(2), again.next().Data.ConversationID, "not event 1, which the page showed")
	})
}

// livePosition reads the inbox page's data-live-after.
func livePosition(t *testing.T, b *browser) int64 {
	t.Helper()
	status, _, body := b.do(http.MethodGet, "/inbox", nil, nil)
	require.Equal(t, http.StatusOK, status)
	m := regexp.MustCompile(`data-live-after="(\d+)"`).FindStringSubmatch(body)
	require.NotNil(t, m, "the page names its live position")
	n, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)
	return n
}
