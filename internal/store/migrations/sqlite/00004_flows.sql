-- +goose Up
-- Flows (F8–F17). A flow's definition is stored per version and a run pins
-- the version it started with, so editing a flow never changes a run in
-- flight. A run's whole engine state is one JSON document (state); the
-- columns beside it are what queries need: status, what it waits for and
-- the conversation a wait_for_reply listens to.

CREATE TABLE flows (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    enabled       INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL,
    trigger_type  TEXT    NOT NULL,
    trigger_event TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

CREATE TABLE flow_versions (
    flow_id    BIGINT  NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    definition TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (flow_id, version)
);

CREATE TABLE flow_runs (
    id              INTEGER PRIMARY KEY,
    flow_id         BIGINT  NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    flow_version    INTEGER NOT NULL,
    status          TEXT    NOT NULL, -- running | waiting | completed | failed | cancelled
    version         INTEGER NOT NULL DEFAULT 0, -- bumped by every change: stale inputs are recognised
    test            INTEGER NOT NULL DEFAULT 0,
    wait_kind       TEXT    NOT NULL DEFAULT '',
    wait_until      BIGINT  NOT NULL DEFAULT 0,
    reply_conversation_id BIGINT NOT NULL DEFAULT 0, -- set while waiting for a reply
    error_code      TEXT    NOT NULL DEFAULT '',
    state           TEXT    NOT NULL,
    started_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    ended_at        BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX flow_runs_flow ON flow_runs (flow_id, id);
CREATE INDEX flow_runs_status ON flow_runs (status, id);
CREATE INDEX flow_runs_reply ON flow_runs (reply_conversation_id) WHERE reply_conversation_id <> 0;

-- External events (F10): the idempotency key makes a repeated event start
-- nothing new; run_ids answers the repeat with the runs of the first.
CREATE TABLE flow_events (
    id              INTEGER PRIMARY KEY,
    type            TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    run_ids         TEXT    NOT NULL DEFAULT '[]',
    received_at     BIGINT  NOT NULL
);

-- One row: cache_version is bumped by every flow change so each process
-- reloads its cache of enabled flows; examples_installed marks the first
-- start's example flows as done (deleting them does not bring them back).
CREATE TABLE flow_meta (
    id                 INTEGER PRIMARY KEY,
    cache_version      BIGINT  NOT NULL DEFAULT 0,
    examples_installed INTEGER NOT NULL DEFAULT 0
);
INSERT INTO flow_meta (id, cache_version, examples_installed) VALUES (1, 0, 0);

-- +goose Down
DROP TABLE flow_meta;
DROP TABLE flow_events;
DROP TABLE flow_runs;
DROP TABLE flow_versions;
DROP TABLE flows;
