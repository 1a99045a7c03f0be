-- +goose Up
-- LGPD/GDPR erasures: the one line an erased contact leaves behind. It
-- says that contact id N was erased, by whom and when, and how many rows
-- of each table went (JSON object: table -> count). It holds no phone
-- number, name, wa_id or hash of them: nothing here points back at the
-- person.
CREATE TABLE contact_erasures (
    id         INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL,
    user_id    BIGINT NOT NULL DEFAULT 0,
    api_key_id BIGINT NOT NULL DEFAULT 0,
    deleted    TEXT   NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX contact_erasures_contact ON contact_erasures (contact_id, id);

-- +goose Down
DROP TABLE contact_erasures;
