-- +goose Up
-- The team inbox: who may do what, who owns a conversation, what the team
-- wrote about it, and the live events browsers follow.

-- An agent's permissions (JSON list of names, see agent.Perm*); admins
-- have every permission whatever this holds. away: skipped by automatic
-- assignment.
ALTER TABLE users ADD COLUMN permissions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN away INTEGER NOT NULL DEFAULT 0;

-- The agent a conversation is assigned to (0: unassigned) and when it was
-- resolved (0: open). Reopened by the customer's next message.
ALTER TABLE conversations ADD COLUMN assigned_user_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN resolved_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX conversations_assigned ON conversations (assigned_user_id, last_message_at);

-- Every assignment of a conversation: to whom (0: unassigned), by whom
-- (0: automatic), when.
CREATE TABLE assignments (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL DEFAULT 0,
    by_user_id      BIGINT NOT NULL DEFAULT 0,
    automatic       INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);
CREATE INDEX assignments_conversation ON assignments (conversation_id, id);

-- Internal notes: seen by the team, never sent to the customer.
CREATE TABLE notes (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL,
    body            TEXT   NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX notes_conversation ON notes (conversation_id, id);

-- Live events for the inbox, appended in the transaction that made the
-- change and read by id: a browser that reconnects asks for what came
-- after the last id it saw.
CREATE TABLE live_events (
    id              INTEGER PRIMARY KEY,
    kind            TEXT   NOT NULL,
    conversation_id BIGINT NOT NULL DEFAULT 0,
    message_id      BIGINT NOT NULL DEFAULT 0,
    user_id         BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);

-- Who changed which setting, when (the settings pages' audit line).
CREATE TABLE settings_audit (
    id         INTEGER PRIMARY KEY,
    section    TEXT   NOT NULL,
    user_id    BIGINT NOT NULL DEFAULT 0,
    summary    TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX settings_audit_section ON settings_audit (section, id);

-- +goose Down
DROP TABLE settings_audit;
DROP TABLE live_events;
DROP TABLE notes;
DROP TABLE assignments;
DROP INDEX conversations_assigned;
ALTER TABLE conversations DROP COLUMN resolved_at;
ALTER TABLE conversations DROP COLUMN assigned_user_id;
ALTER TABLE users DROP COLUMN away;
ALTER TABLE users DROP COLUMN permissions;
