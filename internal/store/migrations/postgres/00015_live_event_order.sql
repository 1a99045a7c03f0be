-- +goose Up
-- The transaction that appended each live event. PostgreSQL hands out ids
-- at insert time and transactions commit in any order, so "events after id
-- N" can miss one that commits late. Readers instead follow (tx, id) and
-- read only events of transactions older than the oldest one still running
-- (pg_snapshot_xmin): nothing can appear behind that point any more.
ALTER TABLE live_events ADD COLUMN tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX live_events_order ON live_events (tx, id);
CREATE INDEX live_events_created ON live_events (created_at);

-- +goose Down
DROP INDEX live_events_created;
DROP INDEX live_events_order;
ALTER TABLE live_events DROP COLUMN tx;
