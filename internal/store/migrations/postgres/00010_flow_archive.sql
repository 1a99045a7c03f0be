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

-- +goose Down
-- Archived flows and their runs go (the old schema has no place for them).
DELETE FROM flow_runs WHERE flow_id IN (SELECT id FROM flows WHERE archived_at <> 0);
DELETE FROM flows WHERE archived_at <> 0;
ALTER TABLE flow_runs DROP CONSTRAINT flow_runs_flow_id_fkey;
ALTER TABLE flow_runs ADD CONSTRAINT flow_runs_flow_id_fkey FOREIGN KEY (flow_id) REFERENCES flows (id) ON DELETE CASCADE;
DROP INDEX flows_name;
ALTER TABLE flows ADD CONSTRAINT flows_name_key UNIQUE (name);
ALTER TABLE flows DROP COLUMN archived_at;
