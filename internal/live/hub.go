// Package live carries the inbox's realtime events: a change (a new
// message, a status, an assignment, a note) appends an event row in the
// transaction that makes it, and once that commits every browser allowed
// to see it hears of it over its event stream. Rows are read by id, so a
// browser that reconnects asks for what came after the last id it saw and
// loses nothing; on PostgreSQL a NOTIFY tells the other instances.
package live

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Event kinds.
const (
	KindMessage      = "message"      // an outbound message was queued
	KindInbound      = "inbound"      // an inbound message was stored (the sound plays for it)
	KindStatus       = "status"       // a message's delivery status moved
	KindConversation = "conversation" // a conversation changed (resolved, reopened, read)
	KindAssigned     = "assigned"     // a conversation was (re)assigned
	KindNote         = "note"         // an internal note was added
)

// Lead event kinds (package lead): the web app refreshes a lead panel on
// KindLead and tells the agent named by UserID of a KindLeadAssigned.
const (
	KindLead         = "lead"          // a lead changed (status, notes, tags…); UserID is who changed it
	KindLeadAssigned = "lead_assigned" // a lead was (re)assigned; UserID is the new agent (0: unassigned)
)

// Event is one change a browser may need to show.
type Event struct {
	ID             int64     `json:"id"`
	Kind           string    `json:"kind"`
	ConversationID int64     `json:"conversation_id"`
	MessageID      int64     `json:"message_id,omitempty"`
	UserID         int64     `json:"user_id,omitempty"` // who did it, or whom it concerns (assignment)
	At             time.Time `json:"at"`
	tx             int64     // the appending transaction's order (see Cursor)
}

// notifyChannel is the PostgreSQL channel instances tell each other on.
const notifyChannel = "zapflow_live"

// Hub appends events and wakes the streams that follow them.
type Hub struct {
	db   store.DB
	now  func() time.Time
	wake chan struct{}
}

// New builds a Hub.
func New(db store.DB, now func() time.Time) *Hub {
	if now == nil {
		now = time.Now
	}
	return &Hub{db: db, now: now, wake: make(chan struct{}, 1)}
}

// Append records ev inside tx; streams see it once tx commits. The rows
// are written together just before the commit (an intake batch appends
// several per message: one multi-row INSERT instead of a statement each),
// in the order appended; inside a savepoint, which may roll back alone,
// at once.
func (h *Hub) Append(ctx context.Context, tx store.Tx, ev Event) error {
	ev.At = h.now()
	buf := store.TxValue(tx, "live:events", func() *[]Event { return new([]Event) })
	if buf == nil || store.InSavepoint(tx) {
		if err := insertEvents(ctx, tx, []Event{ev}); err != nil {
			return err
		}
	} else {
		*buf = append(*buf, ev)
		tx.BeforeCommit("live:events", func() error {
			evs := *buf
			*buf = nil
			return insertEvents(ctx, tx, evs)
		})
	}
	if h.db.Dialect() == store.Postgres {
		// Delivered at commit, to every instance listening: one per
		// transaction however many events it appends (sent once, before
		// the commit, rather than a round trip per event).
		tx.BeforeCommit("live:notify", func() error {
			_, err := tx.Exec(ctx, `SELECT pg_notify('`+notifyChannel+`', '')`)
			return err
		})
	}
	tx.AfterCommit(h.Wake)
	return nil
}

// Wake tells this instance's streams that events were committed.
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// insertEvents writes evs in order, in chunks of the fixed sizes.
func insertEvents(ctx context.Context, tx store.Tx, evs []Event) error {
	for _, n := range store.Chunks(len(evs)) {
		args := make([]any, 0, n*5)
		for _, ev := range evs[:n] {
			args = append(args, ev.Kind, ev.ConversationID, ev.MessageID, ev.UserID, store.Millis(ev.At))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO live_events (kind, conversation_id, message_id, user_id, created_at) VALUES `+
			store.Placeholders(n, 5), args...); err != nil {
			return err
		}
		evs = evs[n:]
	}
	return nil
}
