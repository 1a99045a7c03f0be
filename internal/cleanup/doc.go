// Package cleanup deletes old chat history on a schedule: messages dated
// before a cutoff (with their cached media), notes written before it,
// the raw webhook events that carried them, and the conversations left
// with nothing in them. Contacts and leads stay.
//
// The cutoff is the start of the day, in the configured time zone (UTC:
// zapflow has no business time zone setting yet), of now minus the
// retention in days. With 30 days on 30 Oct 2025 at any hour it is
// 30 Sep 2025 00:00, so everything dated 29 Sep or earlier goes; with 60
// days on 1 Aug 2025 it is 2 Jun 2025 00:00.
//
// Deletes run in small batches, each its own short transaction, so the
// inbox and webhook intake keep writing between them (SQLite has one
// writer). An outbound message still queued or being sent is never
// deleted, nor its conversation: it goes in the first run after its send
// ends. One run at a time across every instance: a run holds the one
// 'running' row of cleanup_runs, which also logs every run.
package cleanup
