package messaging

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Window is the 24-hour customer service window: it opens or extends each
// time the customer writes, and free-form messages are allowed only while
// it is open (F3).
const Window = 24 * time.Hour

// Conversation is the thread between one sender and one customer.
type Conversation struct {
	ID              int64     `json:"id"`
	SenderID        int64     `json:"sender_id"`
	ContactID       int64     `json:"contact_id"`
	ContactPhone    string    `json:"contact_phone"`
	ContactName     string    `json:"contact_name"` // the team's name for them, else their WhatsApp profile name
	StartedAt       time.Time `json:"started_at"`
	FirstMessageID  int64     `json:"first_message_id"`
	LastMessageAt   time.Time `json:"last_message_at"`
	LastInboundAt   time.Time `json:"last_inbound_at"`
	WindowExpiresAt time.Time `json:"window_expires_at"`
	WindowOpen      bool      `json:"window_open"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

const conversationColumns = `c.id, c.sender_id, c.contact_id, k.phone, ` + contactNameColumn + `, c.started_at, c.first_message_id,
	c.last_message_at, c.last_inbound_at, c.window_expires_at, c.created_at, c.updated_at`

const conversationFrom = ` FROM conversations c JOIN contacts k ON k.id = c.contact_id`

func scanConversation(row store.Row, now time.Time) (Conversation, error) {
	var c Conversation
	var started, last, inbound, expires, created, updated int64
	err := row.Scan(&c.ID, &c.SenderID, &c.ContactID, &c.ContactPhone, &c.ContactName, &started, &c.FirstMessageID,
		&last, &inbound, &expires, &created, &updated)
	c.StartedAt, c.LastMessageAt, c.LastInboundAt = store.Time(started), store.Time(last), store.Time(inbound)
	c.WindowExpiresAt, c.CreatedAt, c.UpdatedAt = store.Time(expires), store.Time(created), store.Time(updated)
	c.WindowOpen = expires > store.Millis(now)
	return c, err
}

// createConversation creates the conversation of (sender, contact), which
// the caller looked for and did not find, and returns it; created is false
// when another transaction made it since (PostgreSQL lanes).
//
// inbound says the conversation starts with the customer's message at
// time at: the row is written as touchInbound would leave it, so the
// caller sets only first_message_id (setFirstMessage) once the message is
// stored. last_message_at is in four of the inbox's indexes; writing it
// in the insert, not in an update after it, writes those entries once.
func createConversation(ctx context.Context, tx store.Tx, senderID, contactID, at, now int64, inbound bool) (id int64, created bool, err error) {
	var last, expires int64
	if inbound && at > 0 { // touchInbound's "at > last_inbound_at" against a new row's 0
		last, expires = at, at+Window.Milliseconds()
	}
	err = tx.QueryRow(ctx, `INSERT INTO conversations (sender_id, contact_id, started_at, last_message_at, last_inbound_at, window_expires_at,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (sender_id, contact_id) DO NOTHING RETURNING id`, senderID, contactID, at, last, last, expires, now, now).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return 0, false, err
	}
	// Another transaction created it since our look (PostgreSQL lanes).
	err = tx.QueryRow(ctx, `SELECT id FROM conversations WHERE sender_id = ? AND contact_id = ?`, senderID, contactID).Scan(&id)
	return id, false, err
}

// setFirstMessage records the first message of a conversation that
// createConversation made for it (inbound), at the commit
// (conversation_touch.go).
func setFirstMessage(ctx context.Context, tx store.Tx, convID, messageID int64) error {
	return touchConversation(ctx, tx, convID, convTouch{first: messageID})
}

// touchInbound records an inbound message at time at: the window runs 24
// hours from the customer's latest message timestamp, so a late or
// redelivered older message never shortens it.
func touchInbound(ctx context.Context, tx store.Tx, convID, messageID, at, now int64) error {
	if first := bufferedFirst(tx, convID); first != 0 {
		messageID = first // an earlier message of this transaction opened it
	}
	_, err := tx.Exec(ctx, `UPDATE conversations SET
			first_message_id = CASE WHEN first_message_id = 0 THEN ? ELSE first_message_id END,
			last_message_at = CASE WHEN ? > last_message_at THEN ? ELSE last_message_at END,
			window_expires_at = CASE WHEN ? > last_inbound_at THEN ? ELSE window_expires_at END,
			last_inbound_at = CASE WHEN ? > last_inbound_at THEN ? ELSE last_inbound_at END,
			updated_at = ?
		WHERE id = ?`,
		messageID, at, at, at, at+Window.Milliseconds(), at, at, now, convID)
	return err
}

// ConversationFilter narrows Conversations. Cursor comes from the previous
// page's NextCursor.
type ConversationFilter struct {
	SenderID   int64
	ContactID  int64
	Phone      string
	WindowOpen *bool
	Limit      int
	Cursor     string
}

// ConversationPage is one page of conversations, most recent first.
type ConversationPage struct {
	Conversations []Conversation `json:"conversations"`
	NextCursor    string         `json:"next_cursor,omitempty"`
}

// Conversations lists conversations by latest message, newest first.
func (s *Service) Conversations(ctx context.Context, f ConversationFilter) (ConversationPage, error) {
	return s.ConversationsFor(ctx, Viewer{All: true}, f)
}

func parseCursor(c string) (at, id int64, ok bool) {
	a, b, found := strings.Cut(c, ".")
	if !found {
		return 0, 0, false
	}
	at, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	return at, id, err1 == nil && err2 == nil
}

// Conversation returns one conversation.
func (s *Service) Conversation(ctx context.Context, id int64) (Conversation, error) {
	return conversationByID(ctx, s.db.Read(), id, s.now())
}

func conversationByID(ctx context.Context, q store.Querier, id int64, now time.Time) (Conversation, error) {
	c, err := scanConversation(q.QueryRow(ctx, `SELECT `+conversationColumns+conversationFrom+` WHERE c.id = ?`, id), now)
	if errors.Is(err, store.ErrNotFound) {
		return c, apperr.NotFound("conversation")
	}
	return c, err
}
