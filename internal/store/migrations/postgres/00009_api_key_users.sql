-- +goose Up
-- Every API key belongs to a user and acts with that user's role. Keys made
-- before this had no user and acted as admin: they go to the first admin;
-- with no user at all they could act as nobody, so they are removed.
UPDATE api_keys SET user_id = (SELECT MIN(id) FROM users WHERE role = 'admin') WHERE user_id IS NULL;
DELETE FROM api_keys WHERE user_id IS NULL;
ALTER TABLE api_keys ALTER COLUMN user_id SET NOT NULL;
CREATE INDEX api_keys_user ON api_keys (user_id);

-- /healthz writes its one row here, so a database that reads but cannot
-- write (disk full, read-only replica) answers 503.
CREATE TABLE health_checks (
    id         BIGINT PRIMARY KEY,
    checked_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE health_checks;
DROP INDEX api_keys_user;
ALTER TABLE api_keys ALTER COLUMN user_id DROP NOT NULL;
