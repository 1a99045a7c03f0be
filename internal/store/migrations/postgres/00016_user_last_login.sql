-- +goose Up
-- When each user last logged in (unix ms, 0 = never), shown on the users
-- page: sessions are deleted at logout and expiry, so they cannot tell.
ALTER TABLE users ADD COLUMN last_login_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN last_login_at;
