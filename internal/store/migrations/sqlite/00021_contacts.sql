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

-- SQLite only: the inbox search's contact index also holds the team's
-- name (PostgreSQL's search reads the table).
DROP TRIGGER contact_search_update;
DROP TRIGGER contact_search_delete;
DROP TRIGGER contact_search_insert;
DROP TABLE contact_search;
CREATE VIRTUAL TABLE contact_search USING fts5(name, profile_name, phone, content='contacts', content_rowid='id', tokenize='trigram');
INSERT INTO contact_search (contact_search) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER contact_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_search (rowid, name, profile_name, phone) VALUES (new.id, new.name, new.profile_name, new.phone);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contact_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contact_search (contact_search, rowid, name, profile_name, phone) VALUES ('delete', old.id, old.name, old.profile_name, old.phone);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contact_search_update AFTER UPDATE OF name, profile_name, phone ON contacts BEGIN
    INSERT INTO contact_search (contact_search, rowid, name, profile_name, phone) VALUES ('delete', old.id, old.name, old.profile_name, old.phone);
    INSERT INTO contact_search (rowid, name, profile_name, phone) VALUES (new.id, new.name, new.profile_name, new.phone);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER contact_search_update;
DROP TRIGGER contact_search_delete;
DROP TRIGGER contact_search_insert;
DROP TABLE contact_search;
CREATE VIRTUAL TABLE contact_search USING fts5(profile_name, phone, content='contacts', content_rowid='id', tokenize='trigram');
INSERT INTO contact_search (contact_search) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER contact_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_search (rowid, profile_name, phone) VALUES (new.id, new.profile_name, new.phone);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contact_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contact_search (contact_search, rowid, profile_name, phone) VALUES ('delete', old.id, old.profile_name, old.phone);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contact_search_update AFTER UPDATE OF profile_name, phone ON contacts BEGIN
    INSERT INTO contact_search (contact_search, rowid, profile_name, phone) VALUES ('delete', old.id, old.profile_name, old.phone);
    INSERT INTO contact_search (rowid, profile_name, phone) VALUES (new.id, new.profile_name, new.phone);
END;
-- +goose StatementEnd
DROP TABLE contact_opt_out_changes;
DROP TABLE contact_fields;
DROP TABLE contact_tags;
ALTER TABLE contacts DROP COLUMN name;
