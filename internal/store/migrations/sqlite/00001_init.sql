-- +goose Up
-- Times are unix milliseconds (0 = never); JSON is TEXT; booleans are 0/1.

CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    waba_id           TEXT    NOT NULL UNIQUE,
    access_token      TEXT    NOT NULL DEFAULT '', -- encrypted
    app_secret        TEXT    NOT NULL DEFAULT '', -- encrypted
    verify_token      TEXT    NOT NULL DEFAULT '', -- encrypted
    graph_url         TEXT    NOT NULL DEFAULT '',
    graph_version     TEXT    NOT NULL DEFAULT '',
    default_region    TEXT    NOT NULL DEFAULT '',
    sandbox           INTEGER NOT NULL DEFAULT 0,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);

CREATE TABLE senders (
    id                   INTEGER PRIMARY KEY,
    account_id           BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    phone_number_id      TEXT    NOT NULL UNIQUE,
    display_phone_number TEXT    NOT NULL DEFAULT '',
    verified_name        TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL DEFAULT 'UNKNOWN',
    quality_rating       TEXT    NOT NULL DEFAULT 'UNKNOWN',
    messaging_limit      TEXT    NOT NULL DEFAULT '',
    rate_limit           INTEGER NOT NULL DEFAULT 80,
    checked_at           BIGINT  NOT NULL DEFAULT 0,
    check_error          TEXT    NOT NULL DEFAULT '',
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);
CREATE INDEX senders_account ON senders (account_id);

CREATE TABLE templates (
    id               INTEGER PRIMARY KEY,
    account_id       BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    meta_id          TEXT    NOT NULL DEFAULT '',
    name             TEXT    NOT NULL,
    language         TEXT    NOT NULL,
    category         TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT '',
    parameter_format TEXT    NOT NULL DEFAULT 'POSITIONAL',
    components       TEXT    NOT NULL DEFAULT '[]',
    placeholders     TEXT    NOT NULL DEFAULT '[]',
    synced_at        BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    UNIQUE (account_id, name, language)
);
CREATE INDEX templates_meta_id ON templates (meta_id);

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    wa_id        TEXT   NOT NULL UNIQUE,
    phone        TEXT   NOT NULL,
    profile_name TEXT   NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE conversations (
    id               INTEGER PRIMARY KEY,
    sender_id        BIGINT NOT NULL REFERENCES senders (id) ON DELETE CASCADE,
    contact_id       BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    started_at       BIGINT NOT NULL,
    first_message_id BIGINT NOT NULL DEFAULT 0,
    last_message_at  BIGINT NOT NULL DEFAULT 0,
    last_inbound_at  BIGINT NOT NULL DEFAULT 0,
    window_expires_at BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (sender_id, contact_id)
);
CREATE INDEX conversations_last_message ON conversations (last_message_at DESC);
CREATE INDEX conversations_contact ON conversations (contact_id);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT  NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    direction       TEXT    NOT NULL, -- in | out
    wamid           TEXT,             -- NULL until Meta accepted an outbound message
    type            TEXT    NOT NULL,
    content         TEXT    NOT NULL DEFAULT '{}',
    summary         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL, -- received | queued | sent | delivered | read | failed
    error_code      TEXT    NOT NULL DEFAULT '',
    error_message   TEXT    NOT NULL DEFAULT '',
    error_detail    TEXT    NOT NULL DEFAULT '',
    occurred_at     BIGINT  NOT NULL,
    sent_at         BIGINT  NOT NULL DEFAULT 0,
    delivered_at    BIGINT  NOT NULL DEFAULT 0,
    read_at         BIGINT  NOT NULL DEFAULT 0,
    failed_at       BIGINT  NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);
CREATE UNIQUE INDEX messages_wamid ON messages (wamid);
CREATE INDEX messages_conversation ON messages (conversation_id, occurred_at, id);

-- Status webhooks for a wamid we have not recorded yet (the send's own
-- record may commit after Meta's callback). Applied when the wamid appears.
CREATE TABLE pending_statuses (
    id            INTEGER PRIMARY KEY,
    wamid         TEXT   NOT NULL,
    status        TEXT   NOT NULL,
    occurred_at   BIGINT NOT NULL,
    error_code    TEXT   NOT NULL DEFAULT '',
    error_message TEXT   NOT NULL DEFAULT '',
    error_detail  TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    UNIQUE (wamid, status)
);

-- Every webhook notification, stored before the 200 and processed after.
-- An unprocessed row is the durable queue entry; partition orders the work
-- (one conversation always maps to one partition).
CREATE TABLE inbound_events (
    id               INTEGER PRIMARY KEY,
    account_id       BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    dedupe_key       TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    partition        INTEGER NOT NULL,
    payload          TEXT    NOT NULL,
    received_at      BIGINT  NOT NULL,
    processed_at     BIGINT  NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT    NOT NULL DEFAULT '',
    UNIQUE (account_id, dedupe_key)
);
CREATE INDEX inbound_events_pending ON inbound_events (partition, id) WHERE processed_at = 0;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT   NOT NULL UNIQUE,
    name          TEXT   NOT NULL DEFAULT '',
    role          TEXT   NOT NULL,
    password_hash TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT   NOT NULL,
    prefix       TEXT   NOT NULL,
    key_hash     TEXT   NOT NULL UNIQUE,
    user_id      BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Team notifications: what went wrong that a person should see.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    kind       TEXT   NOT NULL,
    title      TEXT   NOT NULL,
    body       TEXT   NOT NULL DEFAULT '',
    ref        TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at    BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE notifications;
DROP TABLE settings;
DROP TABLE api_keys;
DROP TABLE users;
DROP TABLE inbound_events;
DROP TABLE pending_statuses;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE contacts;
DROP TABLE templates;
DROP TABLE senders;
DROP TABLE accounts;
