// Package whatsapp speaks Meta's WhatsApp Cloud API: it checks webhook
// signatures, turns webhook POST bodies into a small normalised set of
// events, and calls the Graph API (phone numbers, templates, sending).
//
// It holds no state and touches no database: intake code verifies and
// parses with this package, stores the events, and acknowledges; the send
// pipeline calls the Client and classifies its *APIError elsewhere. Keeping
// the wire format behind this one package means the rest of zapflow never
// has to know that Meta sends timestamps as strings or error details under
// error_data.
package whatsapp
