-- +goose Up
-- A message is due for sending only while it is queued: every change out
-- of 'queued' also sets send_at to 0 (recorded sent, linked by its echoed
-- id, failed). The send queue's partial indexes therefore need only
-- send_at in their predicate, and the constraint below keeps that true.
-- Why it matters on PostgreSQL: a column named in any index predicate
-- blocks HOT updates, so with status in the predicate every status
-- webhook (sent, delivered, read) wrote a new entry into each of the
-- table's six other indexes. Now those updates change no indexed column,
-- and the 10% of each page left free (fillfactor) lets them be HOT:
-- the new row version goes on the same page and no index is touched.
UPDATE messages SET send_at = 0 WHERE status <> 'queued' AND send_at <> 0;
ALTER TABLE messages ADD CONSTRAINT messages_due_only_queued CHECK (send_at = 0 OR status = 'queued');
DROP INDEX messages_send_due;
CREATE INDEX messages_send_due ON messages (sender_id, send_at) WHERE send_at > 0;
DROP INDEX messages_send_due_direct;
CREATE INDEX messages_send_due_direct ON messages (sender_id, send_at) WHERE send_at > 0 AND NOT bulk;
ALTER TABLE messages SET (fillfactor = 90);

-- +goose Down
ALTER TABLE messages RESET (fillfactor);
DROP INDEX messages_send_due_direct;
CREATE INDEX messages_send_due_direct ON messages (sender_id, send_at) WHERE status = 'queued' AND send_at > 0 AND NOT bulk;
DROP INDEX messages_send_due;
CREATE INDEX messages_send_due ON messages (sender_id, send_at) WHERE status = 'queued' AND send_at > 0;
ALTER TABLE messages DROP CONSTRAINT messages_due_only_queued;
