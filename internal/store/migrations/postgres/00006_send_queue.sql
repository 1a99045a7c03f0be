-- +goose Up
-- The send queue is the messages table itself (see messaging/dispatch.go):
-- a queued outbound message is due at send_at (unix ms; 0 = not waiting
-- to be sent), claimed per sender in batches.
ALTER TABLE messages ADD COLUMN sender_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN send_at BIGINT NOT NULL DEFAULT 0;
UPDATE messages SET sender_id = (SELECT sender_id FROM conversations c WHERE c.id = messages.conversation_id),
	send_at = created_at
	WHERE direction = 'out' AND status = 'queued';
CREATE INDEX messages_send_due ON messages (sender_id, send_at) WHERE status = 'queued' AND send_at > 0;

-- +goose Down
DROP INDEX messages_send_due;
ALTER TABLE messages DROP COLUMN send_at;
ALTER TABLE messages DROP COLUMN sender_id;
