-- +goose Up
-- Deleting a flow archives it (archived_at, unix ms; 0 = live): its
-- versions and its runs' history stay, its name is free for a new flow.
-- A run no longer cascades away with its flow: flow_runs references flows
-- without ON DELETE CASCADE.
ALTER TABLE flows ADD COLUMN archived_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE flows DROP CONSTRAINT flows_name_key;
CREATE UNIQUE INDEX flows_name ON flows (name) WHERE archived_at = 0;
ALTER TABLE flow_runs DROP CONSTRAINT flow_runs_flow_id_fkey;
ALTER TABLE flow_runs ADD CONSTRAINT flow_runs_flow_id_fkey FOREIGN KEY (flow_id) REFERENCES flows (id);

-- message_conversation_id is the conversation whose message started a run
-- (0 for event and test runs): pausing the bot there ends those runs.
ALTER TABLE flow_runs ADD COLUMN message_conversation_id BIGINT NOT NULL DEFAULT 0;
UPDATE flow_runs r SET message_conversation_id = COALESCE((r.state::json ->> 'conversation_id')::bigint, 0)
    FROM flows f WHERE f.id = r.flow_id AND NOT r.test AND f.trigger_type LIKE 'whatsapp.%' AND r.status IN ('running', 'waiting');
CREATE INDEX flow_runs_message_conv ON flow_runs (message_conversation_id) WHERE message_conversation_id <> 0;

-- +goose Down
DROP INDEX flow_runs_message_conv;
ALTER TABLE flow_runs DROP COLUMN message_conversation_id;
-- Archived flows and their runs go (the old schema has no place for them).
DELETE FROM flow_runs WHERE flow_id IN (SELECT id FROM flows WHERE archived_at <> 0);
DELETE FROM flows WHERE archived_at <> 0;
ALTER TABLE flow_runs DROP CONSTRAINT flow_runs_flow_id_fkey;
ALTER TABLE flow_runs ADD CONSTRAINT flow_runs_flow_id_fkey FOREIGN KEY (flow_id) REFERENCES flows (id) ON DELETE CASCADE;
DROP INDEX flows_name;
ALTER TABLE flows ADD CONSTRAINT flows_name_key UNIQUE (name);
ALTER TABLE flows DROP COLUMN archived_at;
