-- +goose Up
-- Media of inbound messages, fetched by a job after the message commits
-- and kept as files under the data folder, named by their SHA-256 (so two
-- messages with the same bytes share one file). message_media links a
-- message to its file and says where the fetch stands (pending, stored or
-- failed with the reason); media_blobs lists the stored files, so a sweep
-- can remove the ones no message references any more. A deleted message
-- takes its row along; its file goes with the next sweep.
CREATE TABLE message_media (
    message_id    BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    media_id      TEXT   NOT NULL,
    status        TEXT   NOT NULL,
    sha256        TEXT   NOT NULL DEFAULT '',
    mime_type     TEXT   NOT NULL DEFAULT '',
    size          BIGINT NOT NULL DEFAULT 0,
    filename      TEXT   NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    error_code    TEXT   NOT NULL DEFAULT '',
    error_message TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX message_media_sha256 ON message_media (sha256);

CREATE TABLE media_blobs (
    sha256     TEXT   PRIMARY KEY,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    touched_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE media_blobs;
DROP TABLE message_media;
