package messaging

import (
	"context"
	"strconv"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// ConversationsFor lists the conversations v may see (the REST API's
// list) by latest message, newest first.
func (s *Service) ConversationsFor(ctx context.Context, v Viewer, f ConversationFilter) (ConversationPage, error) {
	now := s.now()
	q := `SELECT ` + conversationColumns + conversationFrom + ` WHERE 1 = 1`
	cond, args := v.where()
	q += cond
	if f.SenderID > 0 {
		q += ` AND c.sender_id = ?`
		args = append(args, f.SenderID)
	}
	if f.ContactID > 0 {
		q += ` AND c.contact_id = ?`
		args = append(args, f.ContactID)
	}
	if f.Phone != "" {
		q += ` AND k.phone = ?`
		args = append(args, f.Phone)
	}
	if f.WindowOpen != nil {
		if *f.WindowOpen {
			q += ` AND c.window_expires_at > ?`
		} else {
			q += ` AND c.window_expires_at <= ?`
		}
		args = append(args, store.Millis(now))
	}
	if f.Cursor != "" {
		at, id, ok := parseCursor(f.Cursor)
		if !ok {
			return ConversationPage{}, apperr.Invalid("cursor", "invalid_cursor", "cursor is not one this API returned")
		}
		q += ` AND (c.last_message_at < ? OR (c.last_message_at = ? AND c.id < ?))`
		args = append(args, at, at, id)
	}
	limit := clampLimit(f.Limit)
	q += ` ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.Read().Query(ctx, q, args...)
	if err != nil {
		return ConversationPage{}, err
	}
	defer rows.Close()
	page := ConversationPage{Conversations: []Conversation{}}
	for rows.Next() {
		c, err := scanConversation(rows, now)
		if err != nil {
			return page, err
		}
		page.Conversations = append(page.Conversations, c)
	}
	if len(page.Conversations) > limit {
		page.Conversations = page.Conversations[:limit]
		last := page.Conversations[limit-1]
		page.NextCursor = strconv.FormatInt(store.Millis(last.LastMessageAt), 10) + "." + strconv.FormatInt(last.ID, 10)
	}
	return page, rows.Err()
}
