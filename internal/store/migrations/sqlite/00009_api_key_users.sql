-- +goose Up
-- Every API key belongs to a user and acts with that user's role. Keys made
-- before this had no user and acted as admin: they go to the first admin;
-- with no user at all they could act as nobody, so they are removed.
UPDATE api_keys SET user_id = (SELECT MIN(id) FROM users WHERE role = 'admin') WHERE user_id IS NULL;
DELETE FROM api_keys WHERE user_id IS NULL;

-- SQLite cannot add NOT NULL to a column: rebuild the table (nothing
-- references api_keys, so dropping it with foreign keys on is safe).
CREATE TABLE api_keys_new (
    id           INTEGER PRIMARY KEY,
    name         TEXT   NOT NULL,
    prefix       TEXT   NOT NULL,
    key_hash     TEXT   NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT NOT NULL DEFAULT 0
);
INSERT INTO api_keys_new (id, name, prefix, key_hash, user_id, created_at, last_used_at, revoked_at)
    SELECT id, name, prefix, key_hash, user_id, created_at, last_used_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;
CREATE INDEX api_keys_user ON api_keys (user_id);

-- /healthz writes its one row here, so a database that reads but cannot
-- write (disk full, read-only file, failing replica) answers 503.
CREATE TABLE health_checks (
    id         INTEGER PRIMARY KEY,
    checked_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE health_checks;
CREATE TABLE api_keys_old (
    id           INTEGER PRIMARY KEY,
    name         TEXT   NOT NULL,
    prefix       TEXT   NOT NULL,
    key_hash     TEXT   NOT NULL UNIQUE,
    user_id      BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT NOT NULL DEFAULT 0
);
INSERT INTO api_keys_old (id, name, prefix, key_hash, user_id, created_at, last_used_at, revoked_at)
    SELECT id, name, prefix, key_hash, user_id, created_at, last_used_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_old RENAME TO api_keys;
