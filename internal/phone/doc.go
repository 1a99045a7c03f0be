// Package phone normalises and validates phone numbers for zapflow.
//
// Every phone number zapflow stores or sends is in E.164 form
// ("+5511999999999"): a "+", the country calling code and the national
// significant number, with no separators. A single canonical form means a
// contact is the same contact whether it arrived from a CSV import, the API or
// a WhatsApp webhook, and it is what the WhatsApp Cloud API expects.
//
// Validation is delegated to libphonenumber's metadata (via
// github.com/nyaruka/phonenumbers) rather than a regular expression: the
// per-country numbering plans (lengths, valid prefixes, mobile ranges) change
// over time and are impossible to capture faithfully in a regex.
//
// National formats such as "(11) 99999-9999" or "07123456789" are ambiguous
// without knowing the country, so [Normalize] rejects them unless the caller
// passes an explicit default region (ISO 3166-1 alpha-2, e.g. "BR", "GB");
// zapflow never guesses a region. WhatsApp wa_ids, which WhatsApp itself
// reports in international form without the "+", are converted with
// [FromWAID] and [WAID].
//
// Every rejection wraps [ErrInvalid], so callers can test with errors.Is and
// show its message to users as-is.
package phone
