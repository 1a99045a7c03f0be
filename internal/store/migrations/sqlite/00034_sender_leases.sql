-- +goose Up
-- Several instances on one database: the instance holding a sender's
-- lease is the only one sending from it until lease_until (Unix ms). Only
-- PostgreSQL installations run several instances; SQLite has one process
-- and never uses this table, which exists so both schemas stay alike.
CREATE TABLE sender_leases (
    sender_id   INTEGER PRIMARY KEY REFERENCES senders (id) ON DELETE CASCADE,
    holder      TEXT NOT NULL,
    lease_until INTEGER NOT NULL,
    epoch       INTEGER NOT NULL DEFAULT 1
);

-- +goose Down
DROP TABLE sender_leases;
