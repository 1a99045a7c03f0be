package ui_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// sseEvent is one event read from /events.
type sseEvent struct {
	ID   int64
	Kind string
	Data struct {
		ConversationID int64 `json:"conversation_id"`
		MessageID      int64 `json:"message_id"`
		UserID         int64 `json:"user_id"`
	}
}

// stream is an open /events connection of a browser.
type stream struct {
	t      *testing.T
	events chan sseEvent
	cancel context.CancelFunc
}

// openStream connects b to /events with headers (Last-Event-ID…) and
// reads its events in the background until close or the test ends.
func (b *browser) openStream(path string, headers map[string]string) *stream {
	b.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
	require.NoError(b.t, err)
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	require.Equal(b.t, http.StatusOK, resp.StatusCode)
	require.Equal(b.t, "text/event-stream", resp.Header.Get("Content-Type"))
	s := &stream{t: b.t, events: make(chan sseEvent, 1000), cancel: cancel}
	b.t.Cleanup(s.close)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.ID != 0 {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID, _ = strconv.ParseInt(strings.TrimPrefix(line, "id: "), 10, 64)
			case strings.HasPrefix(line, "event: "):
				ev.Kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.Data)
			}
		}
		close(s.events)
	}()
	return s
}

func (s *stream) close() { s.cancel() }

// next returns the next event, failing the test when none comes.
func (s *stream) next() sseEvent {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		require.True(s.t, ok, "the stream ended")
		return ev
	case <-time.After(15 * time.Second):
		s.t.Fatal("no event arrived")
	}
	return sseEvent{}
}

// appendEvent commits a live event as the assignment and notes parts do.
func appendEvent(t *testing.T, env *apptest.Env, kind string, conv int64) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
		return env.App.Live.Append(ctx, tx, live.Event{Kind: kind, ConversationID: conv})
	}))
}

// lastEventID is the newest event id in the database.
func lastEventID(t *testing.T, env *apptest.Env) int64 {
	t.Helper()
	var id int64
	require.NoError(t, env.App.DB.Read().QueryRow(context.Background(), `SELECT COALESCE(MAX(id), 0) FROM live_events`).Scan(&id))
	return id
}

func hasPostgres() bool { return os.Getenv(storetest.PostgresURLEnv) != "" }

func indexOf(s, sub string) int { return strings.Index(s, sub) }
