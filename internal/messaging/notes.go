package messaging

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/store"
)

// Note is an internal note on a conversation: the team sees it in the
// chat, the customer never does (it is never sent).
type Note struct {
	ID       int64     `json:"id"`
	UserID   int64     `json:"user_id"`
	UserName string    `json:"user_name"`
	Body     string    `json:"body"`
	At       time.Time `json:"at"`
}

// MaxNoteLength bounds a note, in characters.
const MaxNoteLength = 4096

// AddNote writes a note by user on conversation id.
func (t *Team) AddNote(ctx context.Context, id, user int64, body string) (Note, error) {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return Note{}, apperr.Invalid("body", "invalid_note", "write the note first")
	case utf8.RuneCountInString(body) > MaxNoteLength:
		return Note{}, apperr.Invalid("body", "invalid_note", "a note has at most 4096 characters")
	}
	n := Note{UserID: user, Body: body, At: t.svc.now()}
	err := t.svc.db.InTx(ctx, func(tx store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO notes (conversation_id, user_id, body, created_at)
			SELECT id, ?, ?, ? FROM conversations WHERE id = ? RETURNING id`, user, body, store.Millis(n.At), id).Scan(&n.ID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("conversation")
		}
		if err != nil {
			return err
		}
		return t.hub.Append(ctx, tx, live.Event{Kind: live.KindNote, ConversationID: id, UserID: user})
	})
	return n, err
}

// Notes lists conversation id's notes, oldest first.
func (t *Team) Notes(ctx context.Context, id int64) ([]Note, error) {
	rows, err := t.svc.db.Read().Query(ctx, `SELECT n.id, n.user_id, COALESCE(u.name, ''), n.body, n.created_at
		FROM notes n LEFT JOIN users u ON u.id = n.user_id WHERE n.conversation_id = ? ORDER BY n.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var n Note
		var at int64
		if err := rows.Scan(&n.ID, &n.UserID, &n.UserName, &n.Body, &at); err != nil {
			return nil, err
		}
		n.At = store.Time(at)
		out = append(out, n)
	}
	return out, rows.Err()
}
