-- +goose Up
-- The dispatcher reads a sender's due messages in send order (send_at,
-- then id: two messages queued in one millisecond go in the order they
-- were queued). With send_at alone in the index PostgreSQL has to sort
-- them, and then it may read and join every due message before returning
-- the first: it did so while its statistics said the queue was nearly
-- empty (a young table), and does so through every tie on send_at. Under
-- a backlog each dispatch read the whole of it (200 ms at 26,000 queued,
-- thousands of them tied). With id in the index the rows come out in send
-- order and the read stops at its limit (1 ms). SQLite needs no such
-- change: its indexes end with the rowid, which is the id.
DROP INDEX messages_send_due;
CREATE INDEX messages_send_due ON messages (sender_id, send_at, id) WHERE send_at > 0;
DROP INDEX messages_send_due_direct;
CREATE INDEX messages_send_due_direct ON messages (sender_id, send_at, id) WHERE send_at > 0 AND NOT bulk;

-- +goose Down
DROP INDEX messages_send_due_direct;
CREATE INDEX messages_send_due_direct ON messages (sender_id, send_at) WHERE send_at > 0 AND NOT bulk;
DROP INDEX messages_send_due;
CREATE INDEX messages_send_due ON messages (sender_id, send_at) WHERE send_at > 0;
