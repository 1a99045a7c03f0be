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

-- (SQLite also gets a trigram index for the inbox search here; PostgreSQL
-- scans messages fast enough without an extension.)

-- +goose Down
DROP INDEX messages_created;
DROP INDEX messages_conversation_dir;
DROP INDEX conversations_assigned_open;
DROP INDEX conversations_inbox;
ALTER TABLE users DROP COLUMN auto_assign_turn;
ALTER TABLE conversations DROP COLUMN last_read_message_id;
