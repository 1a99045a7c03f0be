package whatsapp

import "encoding/json"

// The fast path decodes a whole body with one json.Unmarshal into the
// typed shapes below and builds the events from them. It covers the
// deliveries that make up nearly all traffic — "messages" changes carrying
// messages, statuses and system errors, next to changes we ignore — and
// gives up (ok == false) on anything else: a malformed body, a value whose
// type does not fit, or a template, account, quality, user preference or
// template category change. ParseWebhook then runs parseWebhookLayered,
// which gives the precise error or handles the rare change, so the fast
// path never has to reproduce an error message and can only ever return
// what the layered parser would.
//
// The one deliberate difference is a JSON object that repeats a key
// (compared case-insensitively, as encoding/json does) whose value is one
// of the typed layers here (entry, changes, value, messages, statuses,
// errors): the layered parser keeps the last copy whole, while one typed
// decode merges the copies. RFC 8259 leaves duplicate names undefined and
// Meta never sends them; the body is signed, so only Meta or a holder of
// the app secret could.

// fastBody is the whole webhook body.
type fastBody struct {
	Object string      `json:"object"`
	Entry  []fastEntry `json:"entry"`
}

// fastEntry is wireEntry with its changes decoded in place.
type fastEntry struct {
	ID      json.RawMessage `json:"id"`
	Time    json.RawMessage `json:"time"`
	Changes []fastChange    `json:"changes"`
}

// fastChange is wireChange with the value decoded as a "messages" value.
// The value comes before "field" in Meta's payloads, so it is decoded
// before the field is known; a value of another change that does not fit
// this shape makes the fast path give up, which is correct, only slower.
type fastChange struct {
	Field string             `json:"field"`
	Value *fastMessagesValue `json:"value"`
}

// fastMessagesValue is wireMessagesValue with its items decoded in place.
type fastMessagesValue struct {
	Metadata wireMetadata  `json:"metadata"`
	Contacts []wireContact `json:"contacts"`
	Messages []wireMessage `json:"messages"`
	Statuses []wireStatus  `json:"statuses"`
	Errors   []wireError   `json:"errors"`
}

// parseWebhookFast is ParseWebhook's single-pass path; ok is false when
// the body needs parseWebhookLayered. It checks the same things in the
// same places as the layered parser, but any failure just returns false.
func parseWebhookFast(body []byte) (events []Event, ok bool) {
	var b fastBody
	if json.Unmarshal(body, &b) != nil || b.Object != objectWhatsApp || len(b.Entry) == 0 {
		return nil, false
	}
	n := 0
	for i := range b.Entry {
		e := &b.Entry[i]
		if e.Changes == nil {
			return nil, false
		}
		for j := range e.Changes {
			c := &e.Changes[j]
			switch c.Field {
			case fieldMessages:
				if c.Value == nil {
					return nil, false
				}
				n += len(c.Value.Messages) + len(c.Value.Statuses) + len(c.Value.Errors)
			case "", fieldTemplateStatus, fieldAccountUpdate, fieldQualityUpdate, fieldPreferences, fieldCategory:
				return nil, false
			}
		}
	}
	events = make([]Event, 0, n)
	for i := range b.Entry {
		e := &b.Entry[i]
		wabaID, err := parseID(e.ID)
		if err != nil || wabaID == "" {
			return nil, false
		}
		base := Event{WABAID: wabaID}
		if !isAbsent(e.Time) {
			if base.EntryTime, err = parseTimestamp(e.Time); err != nil {
				return nil, false
			}
		}
		for j := range e.Changes {
			if c := &e.Changes[j]; c.Field == fieldMessages {
				if events, ok = appendFastMessagesValue(events, c.Value, base); !ok {
					return nil, false
				}
			}
		}
	}
	return events, true
}

// appendFastMessagesValue is parseMessagesValue on a decoded value. The
// messages and statuses of one value share a backing array each, so a
// batch costs two allocations instead of one per item.
func appendFastMessagesValue(events []Event, v *fastMessagesValue, base Event) ([]Event, bool) {
	base, err := v.Metadata.onNumber("", base, len(v.Messages) > 0 || len(v.Statuses) > 0)
	if err != nil {
		return nil, false
	}

	profiles := profilesOf(v.Contacts)
	// Error positions are only used in error messages, and any error sends
	// the body to the layered parser, which builds them itself.
	const where = ""
	msgs := make([]InboundMessage, len(v.Messages))
	for k := range v.Messages {
		if msgs[k], err = v.Messages[k].toMessage(where, profiles); err != nil {
			return nil, false
		}
		ev := base
		ev.Kind, ev.Message, ev.Index = EventMessage, &msgs[k], k
		events = append(events, ev)
	}
	statuses := make([]Status, len(v.Statuses))
	for k := range v.Statuses {
		if statuses[k], err = v.Statuses[k].toStatus(where); err != nil {
			return nil, false
		}
		ev := base
		ev.Kind, ev.Status, ev.Index = EventStatus, &statuses[k], k
		events = append(events, ev)
	}
	for k := range v.Errors {
		e, err := v.Errors[k].toError(where)
		if err != nil {
			return nil, false
		}
		ev := base
		ev.Kind, ev.Errors, ev.Index = EventError, []Error{e}, k
		events = append(events, ev)
	}
	return events, true
}
