-- +goose Up
-- Webhook forwarding: every inbound WhatsApp message becomes a delivery
-- (written in the message's own transaction) that a dispatcher sends to
-- the business's own endpoint (a CRM), with retries. The payload is a
-- snapshot taken when the message arrived. A delivery goes with its
-- message when the message is deleted (chat history cleanup).
CREATE TABLE forward_deliveries (
    id               INTEGER PRIMARY KEY,
    delivery_id      TEXT    NOT NULL,           -- public id, sent to the endpoint
    conversation_id  BIGINT  NOT NULL,
    message_id       BIGINT  NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    payload          TEXT    NOT NULL,
    state            TEXT    NOT NULL,           -- pending | delivered | failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,           -- when a pending delivery is due
    lease_until      BIGINT  NOT NULL DEFAULT 0, -- claimed by a dispatcher until then
    window_start     BIGINT  NOT NULL DEFAULT 0, -- first attempt of the 24-hour retry window
    last_status      INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT    NOT NULL DEFAULT '',
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    delivered_at     BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX forward_deliveries_public ON forward_deliveries (delivery_id);
CREATE INDEX forward_deliveries_message ON forward_deliveries (message_id);
-- The head of each conversation's queue, and what is due.
CREATE INDEX forward_deliveries_pending ON forward_deliveries (conversation_id, id) WHERE state = 'pending';
CREATE INDEX forward_deliveries_due ON forward_deliveries (next_attempt_at) WHERE state = 'pending';

-- One row per attempt to send a delivery.
CREATE TABLE forward_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id BIGINT  NOT NULL REFERENCES forward_deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    method      TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    latency_ms  BIGINT  NOT NULL DEFAULT 0,
    response    TEXT    NOT NULL DEFAULT '',  -- the first KiB of the answer
    error       TEXT    NOT NULL DEFAULT '',
    outcome     TEXT    NOT NULL,             -- delivered | retry | failed
    created_at  BIGINT  NOT NULL
);
CREATE INDEX forward_attempts_delivery ON forward_attempts (delivery_id, id);

-- Whether the endpoint keeps failing, so the team is told once.
CREATE TABLE forward_health (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since        BIGINT  NOT NULL DEFAULT 0,
    notified             BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO forward_health (id) VALUES (1);

-- +goose Down
DROP TABLE forward_health;
DROP TABLE forward_attempts;
DROP TABLE forward_deliveries;
