-- +goose Up
-- The transaction that appended each live event (PostgreSQL: see its
-- migration). SQLite has one writer, so ids follow commit order and tx
-- stays 0: readers follow (tx, id) on both.
ALTER TABLE live_events ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;
CREATE INDEX live_events_order ON live_events (tx, id);
CREATE INDEX live_events_created ON live_events (created_at);

-- +goose Down
DROP INDEX live_events_created;
DROP INDEX live_events_order;
ALTER TABLE live_events DROP COLUMN tx;
