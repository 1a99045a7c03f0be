-- +goose Up
-- The dashboard counts flow runs per day of a period: a range scan on
-- when they started instead of reading every run.
CREATE INDEX flow_runs_started ON flow_runs (started_at);

-- +goose Down
DROP INDEX flow_runs_started;
