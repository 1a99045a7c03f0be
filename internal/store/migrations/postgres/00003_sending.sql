-- +goose Up
-- Sending (F5, F6, F15, F17): contact flags, send attempts, origin.
ALTER TABLE contacts ADD COLUMN opted_out BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE contacts ADD COLUMN not_on_whatsapp BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN in_doubt_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN bulk BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE messages DROP COLUMN bulk;
ALTER TABLE messages DROP COLUMN source;
ALTER TABLE messages DROP COLUMN in_doubt_since;
ALTER TABLE messages DROP COLUMN attempts;
ALTER TABLE contacts DROP COLUMN not_on_whatsapp;
ALTER TABLE contacts DROP COLUMN opted_out;
