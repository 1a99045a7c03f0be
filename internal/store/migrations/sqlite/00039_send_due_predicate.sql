-- +goose Up
-- A message is due for sending only while it is queued: every change out
-- of 'queued' also sets send_at to 0, so the send queue's partial indexes
-- need only send_at in their predicate. On PostgreSQL this lets status
-- webhooks update a message without touching its indexes (see the
-- PostgreSQL migration); here it spares SQLite re-checking the two
-- partial indexes on every status change, and keeps the dialects alike.
UPDATE messages SET send_at = 0 WHERE status <> 'queued' AND send_at <> 0;
DROP INDEX messages_send_due;
CREATE INDEX messages_send_due ON messages (sender_id, send_at) WHERE send_at > 0;
DROP INDEX messages_send_due_direct;
CREATE INDEX messages_send_due_direct ON messages (sender_id, send_at) WHERE send_at > 0 AND NOT bulk;

-- +goose Down
DROP INDEX messages_send_due_direct;
CREATE INDEX messages_send_due_direct ON messages (sender_id, send_at) WHERE status = 'queued' AND send_at > 0 AND NOT bulk;
DROP INDEX messages_send_due;
CREATE INDEX messages_send_due ON messages (sender_id, send_at) WHERE status = 'queued' AND send_at > 0;
