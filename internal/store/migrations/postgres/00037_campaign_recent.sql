-- +goose Up
-- Every round of a campaign with an error-share rule reads its latest 200
-- sends (released or refused): this index hands them over in order instead
-- of sorting every send so far (100,000 of them late in a large campaign).
CREATE INDEX campaign_recipients_recent ON campaign_recipients (campaign_id, sent_at) WHERE sent_at > 0;

-- +goose Down
DROP INDEX campaign_recipients_recent;
