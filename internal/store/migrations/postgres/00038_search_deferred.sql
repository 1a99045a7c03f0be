-- +goose Up
-- SQLite only: its inbox search index is now filled in the background
-- (search_progress). PostgreSQL has no such index; this keeps the two
-- dialects' versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
