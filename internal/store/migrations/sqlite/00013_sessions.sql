-- +goose Up
-- Browser sessions of the web app. Only a hash of the session id is
-- stored: the cookie holds the id itself, and a copy of this table is no
-- way in. A session ends after idle or absolute expiry, at logout, or when
-- its user is deactivated.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT   NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ip           TEXT   NOT NULL DEFAULT '',
    user_agent   TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins, counted per account (email) and per address, so guessing
-- passwords is slowed down on every instance alike.
CREATE TABLE login_failures (
    id         INTEGER PRIMARY KEY,
    email      TEXT   NOT NULL,
    ip         TEXT   NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- Users can be deactivated (they keep their history, and cannot log in)
-- and choose their language and notification sound.
ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN sound TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN sound;
ALTER TABLE users DROP COLUMN locale;
ALTER TABLE users DROP COLUMN active;
DROP TABLE login_failures;
DROP TABLE sessions;
