-- +goose Up
-- Campaigns: one approved template sent to an audience at a safe pace.
-- A campaign's settings are JSON documents (senders, mapping, audience,
-- pause rules) read and written whole by internal/campaign; the columns
-- the runner filters on are real columns. lease_until and lease_job keep
-- one runner (River job) per campaign across instances; a dead one's lease
-- runs out.
CREATE TABLE campaigns (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    status            TEXT    NOT NULL, -- draft | scheduled | running | paused | completed | cancelled
    config            TEXT    NOT NULL DEFAULT '{}',
    test_signature    TEXT    NOT NULL DEFAULT '', -- what the last successful test send covered
    test_message_id   BIGINT  NOT NULL DEFAULT 0,
    expanded          INTEGER NOT NULL DEFAULT 0,  -- 1 once the audience is in campaign_recipients
    pause_reason      TEXT    NOT NULL DEFAULT '',
    start_at          BIGINT  NOT NULL DEFAULT 0,
    lease_until       BIGINT  NOT NULL DEFAULT 0,
    lease_job         BIGINT  NOT NULL DEFAULT 0,  -- the River job holding the lease
    started_at        BIGINT  NOT NULL DEFAULT 0,
    finished_at       BIGINT  NOT NULL DEFAULT 0,
    created_by        BIGINT  NOT NULL DEFAULT 0,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
CREATE INDEX campaigns_status ON campaigns (status);

-- An uploaded CSV audience, one row per line, read back a page at a time.
CREATE TABLE campaign_csv_rows (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    row_no      BIGINT NOT NULL,
    phone       TEXT   NOT NULL,
    columns     TEXT   NOT NULL DEFAULT '{}',
    PRIMARY KEY (campaign_id, row_no)
);

-- One row per audience member: queued until the runner hands it to the
-- outbox (message_id is set in that same transaction, so a crash never
-- sends it twice), skipped with a reason, or failed when the outbox
-- refused it. Delivery states are read from the message itself.
CREATE TABLE campaign_recipients (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT  NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id  BIGINT  NOT NULL DEFAULT 0,
    wa_id       TEXT    NOT NULL,
    phone       TEXT    NOT NULL,
    sender_id   BIGINT  NOT NULL DEFAULT 0,
    variables   TEXT    NOT NULL DEFAULT '{}',
    state       TEXT    NOT NULL, -- queued | sent | failed | skipped
    skip_reason TEXT    NOT NULL DEFAULT '',
    error_code  TEXT    NOT NULL DEFAULT '',
    message_id  BIGINT  NOT NULL DEFAULT 0,
    sent_at     BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX campaign_recipients_once ON campaign_recipients (campaign_id, wa_id) WHERE skip_reason = '';
CREATE INDEX campaign_recipients_state ON campaign_recipients (campaign_id, state, sender_id, id);
CREATE INDEX campaign_recipients_sent ON campaign_recipients (sender_id, sent_at) WHERE sent_at > 0;
CREATE INDEX campaign_recipients_message ON campaign_recipients (message_id) WHERE message_id > 0;

-- +goose Down
DROP TABLE campaign_recipients;
DROP TABLE campaign_csv_rows;
DROP TABLE campaigns;
