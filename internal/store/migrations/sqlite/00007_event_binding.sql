-- +goose Up
-- A status that waits for its send's record remembers which number it was
-- reported for and which account signed it: it is applied later only to a
-- message of that number, so a status signed by one account can never move
-- another account's message, nor take the place of the real one.
CREATE TABLE pending_statuses_new (
    id              INTEGER PRIMARY KEY,
    wamid           TEXT   NOT NULL,
    status          TEXT   NOT NULL,
    phone_number_id TEXT   NOT NULL DEFAULT '',
    account_id      BIGINT NOT NULL DEFAULT 0,
    occurred_at     BIGINT NOT NULL,
    error_code      TEXT   NOT NULL DEFAULT '',
    error_message   TEXT   NOT NULL DEFAULT '',
    error_detail    TEXT   NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    UNIQUE (wamid, status, phone_number_id)
);
INSERT INTO pending_statuses_new (wamid, status, occurred_at, error_code, error_message, error_detail, created_at)
    SELECT wamid, status, occurred_at, error_code, error_message, error_detail, created_at FROM pending_statuses;
DROP TABLE pending_statuses;
ALTER TABLE pending_statuses_new RENAME TO pending_statuses;

-- What an inbound message replies to (Meta's context object, JSON), and
-- our own message it answers when it is one of ours.
ALTER TABLE messages ADD COLUMN context TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN reply_to_message_id BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE messages DROP COLUMN reply_to_message_id;
ALTER TABLE messages DROP COLUMN context;
ALTER TABLE pending_statuses DROP COLUMN account_id;
ALTER TABLE pending_statuses DROP COLUMN phone_number_id;
