// Package intake receives the Cloud API webhook (F27) and turns every
// notification into a stored event before answering 200, then applies the
// stored events in order per conversation.
//
// The path of a notification:
//
//  1. Handler verifies X-Hub-Signature-256 over the raw body and parses it
//     (401/400 otherwise; nothing is stored).
//  2. Writer groups the events of many concurrent requests into one
//     transaction (group commit: one fsync for many webhooks) and inserts
//     them into inbound_events, skipping any dedupe key stored before. Each
//     request is answered only after the transaction that holds its events
//     commits, so a 200 always means stored.
//  3. Dispatcher applies unprocessed events. An unprocessed row is the
//     durable queue entry, committed in the same transaction as the event
//     itself. Each conversation hashes to one of Partitions partitions; a
//     partition is worked by one goroutine in id order, and on PostgreSQL
//     also under an advisory lock, so two instances never interleave a
//     conversation. Partitions run in parallel. The writer wakes the
//     partitions it wrote to; a slow sweep catches anything a crash or
//     another instance left behind. Some events skip this step: the
//     Writer's commit applies them itself (ApplyOnStore on PostgreSQL,
//     ApplyWhenCaughtUp on SQLite), and stores them processed.
//
// Why not one River job per event or per partition: River's SQLite driver
// completes jobs one row at a time on the single writer connection, which
// would cost more writes than the events themselves, and River's unique
// jobs cannot exclude running jobs, so a "drain partition p" job could not
// be deduplicated without stranding events committed while it runs. River
// does everything that needs delays and retries: sender checks, template
// sync, and the jobs processing hooks enqueue in the processing transaction.
package intake
