-- +goose Up
-- Automatic chat history cleanup: every run (scheduled, "run cleanup now"
-- or a dry run) is logged with its cutoff and what it removed. A run in
-- progress has status 'running' and at most one exists at a time across
-- every instance (the unique index); heartbeat_at moves with each batch,
-- so a run whose process died can be taken over.
CREATE TABLE cleanup_runs (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL, -- schedule | manual | dry_run
    status         TEXT    NOT NULL, -- running | done | failed
    user_id        BIGINT  NOT NULL DEFAULT 0,
    retention_days INTEGER NOT NULL,
    cutoff         BIGINT  NOT NULL, -- unix ms: everything before it goes
    messages       BIGINT  NOT NULL DEFAULT 0,
    media          BIGINT  NOT NULL DEFAULT 0,
    notes          BIGINT  NOT NULL DEFAULT 0,
    conversations  BIGINT  NOT NULL DEFAULT 0,
    webhook_events BIGINT  NOT NULL DEFAULT 0,
    error          TEXT    NOT NULL DEFAULT '',
    started_at     BIGINT  NOT NULL,
    heartbeat_at   BIGINT  NOT NULL,
    finished_at    BIGINT  NOT NULL DEFAULT 0,
    duration_ms    BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX cleanup_runs_running ON cleanup_runs (status) WHERE status = 'running';
CREATE INDEX cleanup_runs_kind ON cleanup_runs (kind, started_at);

-- The cleanup reads old messages oldest first, a batch at a time.
CREATE INDEX messages_occurred ON messages (occurred_at, id);
-- Notes older than the cutoff go with the messages.
CREATE INDEX notes_created ON notes (created_at);

-- +goose Down
DROP INDEX notes_created;
DROP INDEX messages_occurred;
DROP TABLE cleanup_runs;
