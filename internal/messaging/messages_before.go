package messaging

import "context"

// MessagesBefore returns up to limit messages of a conversation that come
// before message beforeID in the chat's order (occurred_at, then id),
// oldest first: the next page when the agent scrolls back.
func (s *Service) MessagesBefore(ctx context.Context, conversationID, beforeID int64, limit int) ([]Message, error) {
	return s.queryMessages(ctx, `SELECT * FROM (SELECT `+messageColumns+` FROM messages m
		WHERE conversation_id = ? AND EXISTS (SELECT 1 FROM messages b WHERE b.id = ? AND b.conversation_id = m.conversation_id
			AND (m.occurred_at < b.occurred_at OR (m.occurred_at = b.occurred_at AND m.id < b.id)))
		ORDER BY occurred_at DESC, id DESC LIMIT ?) m ORDER BY occurred_at, id`, conversationID, beforeID, clampLimit(limit))
}
