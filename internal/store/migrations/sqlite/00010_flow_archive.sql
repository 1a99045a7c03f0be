-- +goose Up
-- Deleting a flow archives it (archived_at, unix ms; 0 = live): its
-- versions and its runs' history stay, its name is free for a new flow.
-- A run no longer cascades away with its flow: flow_runs references flows
-- without ON DELETE CASCADE.
--
-- message_conversation_id is the conversation whose message started a run
-- (0 for event and test runs): pausing the bot there ends those runs.
--
-- SQLite cannot drop a column's UNIQUE constraint or change a foreign key
-- in place, so the three tables are rebuilt. The new tables are filled
-- first and the old ones dropped children first, so dropping flows finds
-- nothing referencing it (no cascade runs, foreign keys stay on); renaming
-- flows_new then rewrites the children's references to it.
CREATE TABLE flows_new (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL,
    trigger_type  TEXT    NOT NULL,
    trigger_event TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    archived_at   BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO flows_new (id, name, enabled, version, trigger_type, trigger_event, created_at, updated_at)
    SELECT id, name, enabled, version, trigger_type, trigger_event, created_at, updated_at FROM flows;

CREATE TABLE flow_versions_new (
    flow_id    BIGINT  NOT NULL REFERENCES flows_new (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    definition TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (flow_id, version)
);
INSERT INTO flow_versions_new (flow_id, version, definition, created_at)
    SELECT flow_id, version, definition, created_at FROM flow_versions;

CREATE TABLE flow_runs_new (
    id              INTEGER PRIMARY KEY,
    flow_id         BIGINT  NOT NULL REFERENCES flows_new (id),
    flow_version    INTEGER NOT NULL,
    status          TEXT    NOT NULL, -- running | waiting | completed | failed | cancelled
    version         INTEGER NOT NULL DEFAULT 0, -- bumped by every change: stale inputs are recognised
    test            INTEGER NOT NULL DEFAULT 0,
    wait_kind       TEXT    NOT NULL DEFAULT '',
    wait_until      BIGINT  NOT NULL DEFAULT 0,
    reply_conversation_id BIGINT NOT NULL DEFAULT 0, -- set while waiting for a reply
    message_conversation_id BIGINT NOT NULL DEFAULT 0, -- the conversation whose message started the run
    error_code      TEXT    NOT NULL DEFAULT '',
    state           TEXT    NOT NULL,
    started_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    ended_at        BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO flow_runs_new (id, flow_id, flow_version, status, version, test, wait_kind, wait_until, reply_conversation_id,
        message_conversation_id, error_code, state, started_at, updated_at, ended_at)
    SELECT r.id, r.flow_id, r.flow_version, r.status, r.version, r.test, r.wait_kind, r.wait_until, r.reply_conversation_id,
        CASE WHEN r.test = 0 AND f.trigger_type LIKE 'whatsapp.%' AND r.status IN ('running', 'waiting')
            THEN COALESCE(json_extract(r.state, '$.conversation_id'), 0) ELSE 0 END,
        r.error_code, r.state, r.started_at, r.updated_at, r.ended_at
    FROM flow_runs r JOIN flows f ON f.id = r.flow_id;

DROP TABLE flow_runs;
DROP TABLE flow_versions;
DROP TABLE flows;
ALTER TABLE flows_new RENAME TO flows;
ALTER TABLE flow_versions_new RENAME TO flow_versions;
ALTER TABLE flow_runs_new RENAME TO flow_runs;

CREATE UNIQUE INDEX flows_name ON flows (name) WHERE archived_at = 0;
CREATE INDEX flow_runs_flow ON flow_runs (flow_id, id);
CREATE INDEX flow_runs_status ON flow_runs (status, id);
CREATE INDEX flow_runs_reply ON flow_runs (reply_conversation_id) WHERE reply_conversation_id <> 0;
CREATE INDEX flow_runs_message_conv ON flow_runs (message_conversation_id) WHERE message_conversation_id <> 0;

-- +goose Down
-- Archived flows and their runs go (the old schema has no place for them).
DELETE FROM flow_runs WHERE flow_id IN (SELECT id FROM flows WHERE archived_at <> 0);
DELETE FROM flow_versions WHERE flow_id IN (SELECT id FROM flows WHERE archived_at <> 0);
DELETE FROM flows WHERE archived_at <> 0;
CREATE TABLE flows_old (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    enabled       INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL,
    trigger_type  TEXT    NOT NULL,
    trigger_event TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
INSERT INTO flows_old (id, name, enabled, version, trigger_type, trigger_event, created_at, updated_at)
    SELECT id, name, enabled, version, trigger_type, trigger_event, created_at, updated_at FROM flows;
CREATE TABLE flow_versions_old (
    flow_id    BIGINT  NOT NULL REFERENCES flows_old (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    definition TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (flow_id, version)
);
INSERT INTO flow_versions_old SELECT flow_id, version, definition, created_at FROM flow_versions;
CREATE TABLE flow_runs_old (
    id              INTEGER PRIMARY KEY,
    flow_id         BIGINT  NOT NULL REFERENCES flows_old (id) ON DELETE CASCADE,
    flow_version    INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    version         INTEGER NOT NULL DEFAULT 0,
    test            INTEGER NOT NULL DEFAULT 0,
    wait_kind       TEXT    NOT NULL DEFAULT '',
    wait_until      BIGINT  NOT NULL DEFAULT 0,
    reply_conversation_id BIGINT NOT NULL DEFAULT 0,
    error_code      TEXT    NOT NULL DEFAULT '',
    state           TEXT    NOT NULL,
    started_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    ended_at        BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO flow_runs_old SELECT id, flow_id, flow_version, status, version, test, wait_kind, wait_until, reply_conversation_id,
    error_code, state, started_at, updated_at, ended_at FROM flow_runs;
DROP TABLE flow_runs;
DROP TABLE flow_versions;
DROP TABLE flows;
ALTER TABLE flows_old RENAME TO flows;
ALTER TABLE flow_versions_old RENAME TO flow_versions;
ALTER TABLE flow_runs_old RENAME TO flow_runs;
CREATE INDEX flow_runs_flow ON flow_runs (flow_id, id);
CREATE INDEX flow_runs_status ON flow_runs (status, id);
CREATE INDEX flow_runs_reply ON flow_runs (reply_conversation_id) WHERE reply_conversation_id <> 0;
