-- +goose Up
-- The inbox search's trigram indexes (message_search, contact_search) are
-- filled in the background, many rows per statement, instead of by an
-- insert trigger per row. FTS5 writes its pending rows out as a new index
-- segment at every statement savepoint of the transaction, so a per-row
-- trigger made one segment per inbound message (and merges to match): a
-- fifth of the single writer's time under load. search_progress holds, per
-- table, the highest id the index covers; rows above it are searched by
-- reading them (store.SearchIndexer keeps that tail to about a second).
-- The delete and update triggers touch the index only for rows it covers,
-- and an insert at or below the mark (SQLite may reuse the highest id
-- after a delete) is indexed at once.
CREATE TABLE search_progress (
    name       TEXT PRIMARY KEY,
    indexed_to INTEGER NOT NULL
);
INSERT INTO search_progress (name, indexed_to) VALUES
    ('messages', (SELECT COALESCE(MAX(id), 0) FROM messages)),
    ('contacts', (SELECT COALESCE(MAX(id), 0) FROM contacts));

DROP TRIGGER message_search_insert;
DROP TRIGGER message_search_delete;
DROP TRIGGER message_search_update;
-- +goose StatementBegin
CREATE TRIGGER message_search_insert AFTER INSERT ON messages
WHEN new.id <= (SELECT indexed_to FROM search_progress WHERE name = 'messages') BEGIN
    INSERT INTO message_search (rowid, summary) VALUES (new.id, new.summary);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER message_search_delete AFTER DELETE ON messages
WHEN old.id <= (SELECT indexed_to FROM search_progress WHERE name = 'messages') BEGIN
    INSERT INTO message_search (message_search, rowid, summary) VALUES ('delete', old.id, old.summary);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER message_search_update AFTER UPDATE OF summary ON messages
WHEN old.summary IS NOT new.summary AND old.id <= (SELECT indexed_to FROM search_progress WHERE name = 'messages') BEGIN
    INSERT INTO message_search (message_search, rowid, summary) VALUES ('delete', old.id, old.summary);
    INSERT INTO message_search (rowid, summary) VALUES (new.id, new.summary);
END;
-- +goose StatementEnd

DROP TRIGGER contact_search_insert;
DROP TRIGGER contact_search_delete;
DROP TRIGGER contact_search_update;
-- +goose StatementBegin
CREATE TRIGGER contact_search_insert AFTER INSERT ON contacts
WHEN new.id <= (SELECT indexed_to FROM search_progress WHERE name = 'contacts') BEGIN
    INSERT INTO contact_search (rowid, name, profile_name, phone) VALUES (new.id, new.name, new.profile_name, new.phone);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contact_search_delete AFTER DELETE ON contacts
WHEN old.id <= (SELECT indexed_to FROM search_progress WHERE name = 'contacts') BEGIN
    INSERT INTO contact_search (contact_search, rowid, name, profile_name, phone) VALUES ('delete', old.id, old.name, old.profile_name, old.phone);
END;
-- +goose StatementEnd
-- +goose StatementBegin
-- Every inbound message upserts its contact's profile name, mostly
-- unchanged: only a real change rewrites the index entry.
CREATE TRIGGER contact_search_update AFTER UPDATE OF name, profile_name, phone ON contacts
WHEN (old.name IS NOT new.name OR old.profile_name IS NOT new.profile_name OR old.phone IS NOT new.phone)
    AND old.id <= (SELECT indexed_to FROM search_progress WHERE name = 'contacts') BEGIN
    INSERT INTO contact_search (contact_search, rowid, name, profile_name, phone) VALUES ('delete', old.id, old.name, old.profile_name, old.phone);
    INSERT INTO contact_search (rowid, name, profile_name, phone) VALUES (new.id, new.name, new.profile_name, new.phone);
END;
-- +goose StatementEnd

-- +goose Down
-- Index what the background indexer had not reached, then go back to a
-- trigger per row.
INSERT INTO message_search (rowid, summary)
    SELECT id, summary FROM messages WHERE id > (SELECT indexed_to FROM search_progress WHERE name = 'messages');
INSERT INTO contact_search (rowid, name, profile_name, phone)
    SELECT id, name, profile_name, phone FROM contacts WHERE id > (SELECT indexed_to FROM search_progress WHERE name = 'contacts');
DROP TRIGGER message_search_insert;
DROP TRIGGER message_search_delete;
DROP TRIGGER message_search_update;
DROP TRIGGER contact_search_insert;
DROP TRIGGER contact_search_delete;
DROP TRIGGER contact_search_update;
-- +goose StatementBegin
CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_search (rowid, summary) VALUES (new.id, new.summary);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, summary) VALUES ('delete', old.id, old.summary);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER message_search_update AFTER UPDATE OF summary ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, summary) VALUES ('delete', old.id, old.summary);
    INSERT INTO message_search (rowid, summary) VALUES (new.id, new.summary);
END;
-- +goose StatementEnd
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
DROP TABLE search_progress;
