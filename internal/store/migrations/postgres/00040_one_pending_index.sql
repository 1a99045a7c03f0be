-- +goose Up
-- Each dialect keeps the one index of pending events its dispatcher reads:
-- PostgreSQL's lanes read theirs by partition (inbound_events_pending),
-- which also serves the pending count, so the index over every partition
-- (SQLite's single lane) was only an extra entry written for every event.
DROP INDEX inbound_events_pending_all;

-- +goose Down
CREATE INDEX inbound_events_pending_all ON inbound_events (id) WHERE processed_at = 0;
