-- +goose Up
-- status_seq orders the template status webhooks applied: each sets it
-- above every template's. A sync reads the highest before it lists the
-- templates at Meta, and leaves the status of any template a webhook
-- changed since then (and does not delete it): its list may be older
-- than that webhook, and nothing else would correct it.
ALTER TABLE templates ADD COLUMN status_seq BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE templates DROP COLUMN status_seq;
