// Package privacy answers a customer's LGPD/GDPR requests about one
// contact: Export writes everything zapflow holds about them as a ZIP (one
// JSON file per kind of record, their media files and a README), and Erase
// deletes all of it in one transaction, leaving one anonymous line in
// contact_erasures (contact id, who, when, rows per table).
//
// Both walk one list, Tables (tables.go): per table, how its rows are tied
// to the contact, which file they are exported to, and whether they block
// an erasure while still in flight. Export and Erase select rows through
// the same code, so what is exported is what is erased. A table added to
// the schema must appear in Tables or in Unrelated (with the reason it
// holds nothing about a contact); a test fails until it does.
//
// A row belongs to the contact when it is linked to them by a key (their
// conversations, messages, runs started by their messages…) or when a
// free-text column mentions them: their phone number or wa_id as a whole
// number (digits not preceded or followed by another digit, so
// +55 11 9999-9999 never matches a longer number that contains it), or the
// WhatsApp message id (wamid) of one of their messages. Mentions catch the
// records that carry the number only inside a document: raw webhook events,
// flow runs started by an external event for their number, jobs, team
// notifications, AI memory keyed by their number.
//
// Decisions:
//   - Raw webhook events (inbound_events) that mention the contact are
//     deleted, not redacted: their dedupe keys are wamids, which encode the
//     number, and Meta redelivers only webhooks we did not acknowledge. An
//     event not processed yet would bring the contact back right after the
//     erasure, so such an event (and a job of theirs that is running, or
//     a message to them being sent) refuses the erasure with 409
//     contact_busy: try again in a moment.
//   - ai_calls rows hold no customer data (purpose, model, tokens,
//     outcome) and no reference to a contact; the AI's memory of the
//     customer (ai_conversations, ai_messages) is exported and erased.
//   - Media lives in the database (media_cache), so it goes with the
//     transaction; no file of a contact is kept on disk.
//   - A second erasure of the same contact id is a no-op answered 200 with
//     status "already_erased" (and that erasure's time); an id that
//     never existed is 404.
package privacy
