-- +goose Up
-- Each dialect keeps the one index of pending events its dispatcher reads:
-- SQLite's single lane reads every partition in id order
-- (inbound_events_pending_all), so the index by partition (PostgreSQL's
-- lanes) was only an extra entry written for every event, on the writer.
DROP INDEX inbound_events_pending;

-- +goose Down
CREATE INDEX inbound_events_pending ON inbound_events (partition, id) WHERE processed_at = 0;
