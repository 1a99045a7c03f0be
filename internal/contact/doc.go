// Package contact is the team's address book: the customers zapflow knows
// (every WhatsApp sender becomes one, and people add or import more), with
// a display name of the team's own, tags, custom fields and the opt-out
// from marketing messages with its history.
//
// The contacts table is shared with package messaging, which creates a
// contact on a customer's first message and keeps the WhatsApp profile
// name fresh; this package never changes the id, the wa_id or the profile
// name of an existing contact, so leads, conversations and exports keep
// pointing at the same person.
package contact
