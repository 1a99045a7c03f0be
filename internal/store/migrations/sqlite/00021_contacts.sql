-- +goose Up
-- Contacts as the team keeps them: a display name of their own (the
-- WhatsApp profile name stays as Meta sends it), tags, custom fields, and
-- the history of every opt-out change (who or what changed it, when, from
-- what to what). Everything hangs off the contact's id and goes with it
-- when the contact is deleted.
ALTER TABLE contacts ADD COLUMN name TEXT NOT NULL DEFAULT '';

CREATE TABLE contact_tags (
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    tag        TEXT   NOT NULL,
    PRIMARY KEY (contact_id, tag)
);
-- Tags match without regard to case ("VIP" finds "vip").
CREATE INDEX contact_tags_tag ON contact_tags (LOWER(tag));

CREATE TABLE contact_fields (
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    value      TEXT   NOT NULL,
    PRIMARY KEY (contact_id, name)
);

-- source: keyword (the customer sent an opt-out keyword), agent (the web
-- app), api, import (a CSV file); user_id is the person (0 for a
-- customer's keyword); detail says more (the keyword message, the row).
CREATE TABLE contact_opt_out_changes (
    id         INTEGER PRIMARY KEY,
    contact_id BIGINT  NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    opted_out_before INTEGER NOT NULL,
    opted_out_after  INTEGER NOT NULL,
    source     TEXT    NOT NULL,
    user_id    BIGINT  NOT NULL DEFAULT 0,
    detail     TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL
);
CREATE INDEX contact_opt_out_changes_contact ON contact_opt_out_changes (contact_id, id);

-- +goose Down
DROP TABLE contact_opt_out_changes;
DROP TABLE contact_fields;
DROP TABLE contact_tags;
ALTER TABLE contacts DROP COLUMN name;
