-- +goose Up
-- Several instances on one database: the instance holding a sender's
-- lease is the only one sending from it until lease_until (Unix ms), so
-- per-sender and per-recipient pacing stay in one process. epoch grows
-- each time another instance takes the lease over.
CREATE TABLE sender_leases (
    sender_id   BIGINT PRIMARY KEY REFERENCES senders (id) ON DELETE CASCADE,
    holder      TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    epoch       BIGINT NOT NULL DEFAULT 1
);

-- +goose Down
DROP TABLE sender_leases;
