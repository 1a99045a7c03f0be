// Package campaign sends one approved template to an audience safely: the
// audience (contacts filtered by tags, lead and activity, or an uploaded
// CSV) is expanded into campaign_recipients in small keyset-paged
// transactions; a test send must succeed with the current mapping before
// start; a River job per running campaign hands the next recipients to
// the outbox at a capped share of each sender's rate, within a daily
// quota from its messaging limit tier and an optional send window,
// recording each recipient's message in the same transaction (a crash
// never sends anyone twice); and the campaign pauses itself when a
// sender's quality drops, it goes offline, or too many recent sends fail.
//
// Delivery progress is read from the outbox's message rows when reported
// (the message carries its status webhooks), so no status hook is needed
// and the counts cannot drift from the inbox.
package campaign
