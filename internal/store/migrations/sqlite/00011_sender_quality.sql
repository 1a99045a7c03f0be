-- +goose Up
-- Sender health (F1, F17): a check is requested per sender (check_queued_at,
-- unix ms, 0 = none queued) so webhooks coalesce into one pending check
-- instead of being dropped; a quality webhook's event is kept as pending
-- until a read of the number confirms the rating; an access token Meta
-- refuses marks the account, not its numbers.
ALTER TABLE senders ADD COLUMN check_queued_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE senders ADD COLUMN quality_event TEXT NOT NULL DEFAULT '';
ALTER TABLE senders ADD COLUMN quality_event_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN credentials_error TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN credentials_error_at BIGINT NOT NULL DEFAULT 0;
-- While a sender's quality is RED its queued bulk messages are held: the
-- dispatcher reads only the direct ones, through this index.
CREATE INDEX messages_send_due_direct ON messages (sender_id, send_at) WHERE status = 'queued' AND send_at > 0 AND NOT bulk;

-- +goose Down
DROP INDEX messages_send_due_direct;
ALTER TABLE accounts DROP COLUMN credentials_error_at;
ALTER TABLE accounts DROP COLUMN credentials_error;
ALTER TABLE senders DROP COLUMN quality_event_at;
ALTER TABLE senders DROP COLUMN quality_event;
ALTER TABLE senders DROP COLUMN check_queued_at;
