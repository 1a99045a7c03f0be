-- +goose Up
-- The single processing lane (SQLite) reads pending events across every
-- partition in id order; this keeps that read on pending rows only.
CREATE INDEX inbound_events_pending_all ON inbound_events (id) WHERE processed_at = 0;

-- +goose Down
DROP INDEX inbound_events_pending_all;
