package whatsapp

import (
	"cmp"
	"strconv"
	"time"
)

// EventKind names what an Event carries. Intake code switches on it to pick
// the handler, and it is stored with the event, so the values are part of
// our persisted format and must not change.
type EventKind string

// The kinds of events ParseWebhook produces. Each comes from one place in
// Meta's payload, noted beside it.
const (
	// EventMessage is one value.messages[] item of a "messages" change: a
	// customer wrote to us.
	EventMessage EventKind = "message"
	// EventStatus is one value.statuses[] item of a "messages" change: news
	// about a message we sent.
	EventStatus EventKind = "status"
	// EventTemplateStatus is a "message_template_status_update" change.
	EventTemplateStatus EventKind = "template_status"
	// EventAccountUpdate is an "account_update" change (bans, violations,
	// verification).
	EventAccountUpdate EventKind = "account_update"
	// EventQualityUpdate is a "phone_number_quality_update" change
	// (messaging limit and throughput changes, flags).
	EventQualityUpdate EventKind = "quality_update"
	// EventError is one value.errors[] item of a "messages" change: a
	// system-level error not tied to a single message.
	EventError EventKind = "error"
	// EventUserPreference is one value.user_preferences[] item of a
	// "user_preferences" change: a customer stopped or resumed marketing
	// messages.
	EventUserPreference EventKind = "user_preference"
	// EventTemplateCategory is a "template_category_update" change.
	EventTemplateCategory EventKind = "template_category"
)

// Event is one notification extracted from a webhook POST, in our
// normalised form. Exactly the pointer (or Errors) matching Kind is set.
// It round-trips through encoding/json because intake stores it as JSON and
// the processing job decodes it again later, so every field has a json tag.
type Event struct {
	Kind               EventKind               `json:"kind"`
	WABAID             string                  `json:"waba_id"`                        // entry[].id
	PhoneNumberID      string                  `json:"phone_number_id,omitempty"`      // value.metadata.phone_number_id
	DisplayPhoneNumber string                  `json:"display_phone_number,omitempty"` // value.metadata.display_phone_number
	Message            *InboundMessage         `json:"message,omitempty"`
	Status             *Status                 `json:"status,omitempty"`
	TemplateStatus     *TemplateStatusUpdate   `json:"template_status,omitempty"`
	AccountUpdate      *AccountUpdate          `json:"account_update,omitempty"`
	QualityUpdate      *QualityUpdate          `json:"quality_update,omitempty"`
	UserPreference     *UserPreference         `json:"user_preference,omitempty"`
	TemplateCategory   *TemplateCategoryUpdate `json:"template_category,omitempty"`
	Errors             []Error                 `json:"errors,omitempty"` // for EventError: exactly one error
	// EntryTime is entry[].time, when Meta sends it (always for template,
	// account and quality changes; usually not for messages). It anchors
	// the dedupe key and OccurredAt of events that have no timestamp of
	// their own.
	EntryTime time.Time `json:"entry_time,omitzero"`
	// Index is the item's position in its value array (messages[i],
	// statuses[i], errors[i]); it tells apart identical system errors
	// delivered together.
	Index int `json:"index,omitempty"`
	// Received is when our server got the POST. The parser leaves it zero;
	// intake sets it, and it is not part of the stored JSON.
	Received time.Time `json:"-"`
}

// DedupeKey is the key two deliveries of the same notification share, so
// intake can store each notification once although Meta redelivers and may
// send duplicates to every subscribed app. Keys are deterministic functions
// of the payload:
//
//	m:<wamid>                                       message
//	s:<wamid>:<status>                              status (each transition once)
//	t:<template id>:<event>:<entry time>            template status
//	a:<waba id>:<phone number>:<event>:<entry time> account update
//	q:<display number>:<event>:<entry time>         quality update
//	e:<phone number id>:<code>:<entry time>:<index> system error
//	p:<wa_id or user_id>:<category>:<value>:<timestamp> user preference
//	c:<template id>:<new>:<previous>:<correct>:<entry time> template category
//
// Entry times are unix seconds ("0" when Meta omitted entry[].time). It
// returns "" for an Event the parser cannot produce (unknown kind or a
// missing payload), which callers must treat as "cannot dedupe".
func (e Event) DedupeKey() string {
	switch e.Kind {
	case EventMessage:
		if e.Message != nil {
			return "m:" + e.Message.ID
		}
	case EventStatus:
		if e.Status != nil {
			return "s:" + e.Status.ID + ":" + e.Status.Status
		}
	case EventTemplateStatus:
		if t := e.TemplateStatus; t != nil {
			return "t:" + t.TemplateID + ":" + t.Event + ":" + unixText(e.EntryTime)
		}
	case EventAccountUpdate:
		if a := e.AccountUpdate; a != nil {
			return "a:" + e.WABAID + ":" + a.PhoneNumber + ":" + a.Event + ":" + unixText(e.EntryTime)
		}
	case EventQualityUpdate:
		if q := e.QualityUpdate; q != nil {
			return "q:" + q.DisplayPhoneNumber + ":" + q.Event + ":" + unixText(e.EntryTime)
		}
	case EventUserPreference:
		if p := e.UserPreference; p != nil {
			return "p:" + cmp.Or(p.WAID, p.UserID) + ":" + p.Category + ":" + p.Value + ":" + unixText(p.Timestamp)
		}
	case EventTemplateCategory:
		if c := e.TemplateCategory; c != nil {
			return "c:" + c.TemplateID + ":" + c.New + ":" + c.Previous + ":" + c.Correct + ":" + unixText(e.EntryTime)
		}
	case EventError:
		if len(e.Errors) > 0 {
			return "e:" + e.PhoneNumberID + ":" + strconv.Itoa(e.Errors[0].Code) + ":" +
				unixText(e.EntryTime) + ":" + strconv.Itoa(e.Index)
		}
	}
	return ""
}

// CustomerWAID is the customer's wa_id the event is about: the sender of a
// message or the recipient of a status; "" for account-level events. It is
// what the conversation of the event is keyed on.
func (e Event) CustomerWAID() string {
	switch {
	case e.Kind == EventMessage && e.Message != nil:
		return e.Message.From
	case e.Kind == EventStatus && e.Status != nil:
		return e.Status.RecipientID
	case e.Kind == EventUserPreference && e.UserPreference != nil:
		return e.UserPreference.WAID
	}
	return ""
}

// OccurredAt is the event's own time, as Meta reports it: the message or
// status timestamp, and entry[].time for everything else (zero if Meta
// omitted it). Ordering and the 24-hour window use this, never Received.
func (e Event) OccurredAt() time.Time {
	switch {
	case e.Kind == EventMessage && e.Message != nil:
		return e.Message.Timestamp
	case e.Kind == EventStatus && e.Status != nil:
		return e.Status.Timestamp
	case e.Kind == EventUserPreference && e.UserPreference != nil && !e.UserPreference.Timestamp.IsZero():
		return e.UserPreference.Timestamp
	}
	return e.EntryTime
}

// unixText renders t as decimal unix seconds, "0" for the zero time, for
// use in dedupe keys.
func unixText(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.Unix(), 10)
}
