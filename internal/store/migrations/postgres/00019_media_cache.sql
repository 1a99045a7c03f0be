-- +goose Up
-- Media of inbound messages (images, voice notes, documents…) fetched
-- through the Cloud API's media endpoint, kept so the inbox shows them
-- without asking Meta again (its download URLs last minutes, the media
-- about a month). Bounded in total size by the code that fills it; a
-- deleted message takes its media along.
CREATE TABLE media_cache (
    message_id BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    mime_type  TEXT   NOT NULL,
    size       BIGINT NOT NULL,
    data       BYTEA  NOT NULL,
    fetched_at BIGINT NOT NULL
);
CREATE INDEX media_cache_fetched ON media_cache (fetched_at);

-- +goose Down
DROP TABLE media_cache;
