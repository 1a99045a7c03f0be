-- +goose Up
-- The inbox list: what the team has read of each conversation (unread
-- counts), the automatic assignment's round-robin cursor, and the indexes
-- that keep one page of the list cheap with many conversations.

-- The newest message the team has seen in a conversation: inbound
-- messages after it are unread. Moved when an agent opens the chat or
-- replies.
ALTER TABLE conversations ADD COLUMN last_read_message_id BIGINT NOT NULL DEFAULT 0;

-- Automatic assignment gives the next conversation to the active agent
-- with the lowest turn, then bumps it past every other: the cursor lives
-- in the database, so two instances take turns from the same order.
ALTER TABLE users ADD COLUMN auto_assign_turn BIGINT NOT NULL DEFAULT 0;

-- The open (resolved_at = 0) or resolved list, newest first; one agent's
-- chats; a conversation's messages by id (preview, unread count).
CREATE INDEX conversations_inbox ON conversations (resolved_at, last_message_at, id);
CREATE INDEX conversations_assigned_open ON conversations (assigned_user_id, resolved_at, last_message_at, id);
CREATE INDEX messages_conversation_dir ON messages (conversation_id, direction, id);
-- Replies per agent and first responses in a period (agent table).
CREATE INDEX messages_created ON messages (created_at);

-- SQLite only: the inbox search's substring index (FTS5 trigrams) over
-- message summaries and contact names and numbers, kept by triggers.
-- Without it a search reads every message; PostgreSQL scans them fast
-- enough and needs no extension.
CREATE VIRTUAL TABLE message_search USING fts5(summary, content='messages', content_rowid='id', tokenize='trigram');
INSERT INTO message_search (message_search) VALUES ('rebuild');
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

-- +goose Down
DROP TRIGGER contact_search_update;
DROP TRIGGER contact_search_delete;
DROP TRIGGER contact_search_insert;
DROP TABLE contact_search;
DROP TRIGGER message_search_update;
DROP TRIGGER message_search_delete;
DROP TRIGGER message_search_insert;
DROP TABLE message_search;
DROP INDEX messages_created;
DROP INDEX messages_conversation_dir;
DROP INDEX conversations_assigned_open;
DROP INDEX conversations_inbox;
ALTER TABLE users DROP COLUMN auto_assign_turn;
ALTER TABLE conversations DROP COLUMN last_read_message_id;
