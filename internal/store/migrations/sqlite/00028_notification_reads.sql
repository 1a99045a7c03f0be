-- +goose Up
-- What each user did with a team notification: read it, or dismissed it
-- from their list. A row per (user, notification) they touched; "mark all
-- read" moves the user's watermark in notification_marks instead of
-- writing a row per notification.
CREATE TABLE notification_reads (
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notification_id BIGINT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    read_at         BIGINT NOT NULL,
    dismissed_at    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, notification_id)
);
CREATE INDEX notification_reads_notification ON notification_reads (notification_id);
CREATE TABLE notification_marks (
    user_id   BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    read_upto BIGINT NOT NULL
);

-- +goose Down
DROP TABLE notification_marks;
DROP INDEX notification_reads_notification;
DROP TABLE notification_reads;
