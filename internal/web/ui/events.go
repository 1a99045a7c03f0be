package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/notify"
)

// heartbeat keeps idle event streams alive through proxies that close
// silent connections, and lets the server notice a browser that left.
const heartbeat = 20 * time.Second

// maxBacklog bounds what a reconnecting browser replays; one away longer
// than that many events misses the oldest (its next page load shows them).
const maxBacklog = 5000

// eventData is what a browser learns of an event: enough to fetch the
// fragment it needs; "at" (unix ms of the change) lets a benchmark
// measure delivery delay.
type eventData struct {
	ID             int64 `json:"id"`
	ConversationID int64 `json:"conversation_id"`
	MessageID      int64 `json:"message_id,omitempty"`
	UserID         int64 `json:"user_id,omitempty"`
	At             int64 `json:"at"`
}

// events streams the live events the user may see (text/event-stream).
// A browser that reconnects sends Last-Event-ID (EventSource does it by
// itself; the first connection may pass ?last_event_id=) and first gets
// every event it missed, read from the database, then the live ones the
// broker hands out. The stream holds no database connection while idle.
func (u *UI) events(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	// A page passes its live position (data-live-after), 0 included: the
	// stream then replays from there, not from when the browser connected.
	after, err := strconv.ParseInt(firstNonEmpty(r.Header.Get("Last-Event-ID"), r.URL.Query().Get("last_event_id")), 10, 64)
	resume := err == nil && after >= 0

	// Subscribe before reading the backlog, so nothing committed in
	// between is missed; events seen in both are sent once.
	sub := u.Broker.Subscribe()
	defer u.Broker.Unsubscribe(sub)
	var backlog []live.Event
	if resume {
		if backlog, err = live.Since(ctx, u.DB, after, maxBacklog); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A retry hint, and a first line so the browser knows it is connected.
	if _, err := fmt.Fprint(w, "retry: 2000\n: connected\n\n"); err != nil {
		return
	}
	// Events go out in the broker's order; one the backlog already
	// covered (at or before its last) is not sent twice.
	var covered live.Cursor
	if len(backlog) > 0 {
		covered = live.At(backlog[len(backlog)-1])
	}
	user := userFrom(ctx)
	send := func(ev live.Event) error {
		// A notification is the whole team's (it names no chat); every
		// other event is seen only by who may see its conversation, but
		// for the lead events leadEventOpenTo lets through.
		if ev.Kind != notify.LiveKind && !leadEventOpenTo(user, ev) {
			ok, err := u.CanSee(ctx, user, ev.ConversationID)
			if err != nil || !ok {
				return err
			}
		}
		data, _ := json.Marshal(eventData{ID: ev.ID, ConversationID: ev.ConversationID, MessageID: ev.MessageID, UserID: ev.UserID,
			At: ev.At.UnixMilli()})
		_, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.ID, ev.Kind, data)
		if err == nil {
			u.Broker.Delivered()
		}
		return err
	}
	for _, ev := range backlog {
		if err := send(ev); err != nil {
			return
		}
	}
	if err := rc.Flush(); err != nil {
		return
	}
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	var buf []live.Event
	for {
		evs, wait, lagged := sub.Take(buf[:0])
		if lagged {
			// Too far behind: the browser reconnects with its last id and
			// reads the rest from the database.
			return
		}
		buf = evs
		for _, ev := range evs {
			if !covered.After(ev) {
				continue // the backlog sent it
			}
			if err := send(ev); err != nil {
				return
			}
		}
		if len(evs) > 0 {
			if err := rc.Flush(); err != nil {
				return
			}
			continue // more may have come while writing
		}
		select {
		case <-ctx.Done():
			return
		case <-u.Broker.Stopped():
			return
		case <-wait:
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}
