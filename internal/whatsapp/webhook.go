package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrMalformed is wrapped by every error ParseWebhook returns, so intake
// can tell "Meta (or an attacker with the secret) sent something we cannot
// accept" from its own failures with errors.Is. The wrapping message says
// what is wrong and where, e.g.
// `entry[0].changes[1].value.messages[2]: missing "id"`.
var ErrMalformed = errors.New("malformed webhook payload")

// objectWhatsApp is the only envelope "object" Cloud API webhooks carry.
const objectWhatsApp = "whatsapp_business_account"

// Change fields ParseWebhook turns into events; any other field is a valid
// Meta notification we do not use, and is skipped.
const (
	fieldMessages       = "messages"
	fieldTemplateStatus = "message_template_status_update"
	fieldAccountUpdate  = "account_update"
	fieldQualityUpdate  = "phone_number_quality_update"
	fieldPreferences    = "user_preferences"
	fieldCategory       = "template_category_update"
)

// ParseWebhook validates a whole webhook POST body and returns every event
// in it, in payload order (entries, then changes, then within a "messages"
// change its messages, statuses and errors). It returns either all events
// or an error wrapping ErrMalformed, never a partial list, so a delivery is
// stored whole or rejected whole and Meta's redelivery stays meaningful.
//
// Changes with fields it does not model (e.g. "security",
// "business_capability_update") are ignored without looking at their
// value; unknown message types are kept with their Type and no content.
// The result may be empty. Signature checking is separate (VerifySignature)
// and must happen first, on the same raw bytes.
func ParseWebhook(body []byte) ([]Event, error) {
	if events, ok := parseWebhookFast(body); ok {
		return events, nil
	}
	return parseWebhookLayered(body)
}

// parseWebhookLayered is the reference parser: it validates the body and
// then decodes it one layer at a time through json.RawMessage, checking
// each value before looking inside it, so a rejection names the first
// offending place precisely. Every layer re-reads its bytes, which makes it
// several times slower than parseWebhookFast; ParseWebhook runs it only when
// the fast path gives up, i.e. for malformed payloads and rare shapes.
func parseWebhookLayered(body []byte) ([]Event, error) {
	if !json.Valid(body) {
		return nil, malformed("body", "not valid JSON")
	}
	var env struct {
		Object json.RawMessage `json:"object"`
		Entry  json.RawMessage `json:"entry"`
	}
	if err := decodeAt(body, &env, "body"); err != nil {
		return nil, err
	}
	var object string
	if isAbsent(env.Object) {
		return nil, malformed("body", `missing "object"`)
	}
	if err := decodeAt(env.Object, &object, "object"); err != nil {
		return nil, err
	}
	if object != objectWhatsApp {
		return nil, malformed("object", "got %q, want %q", truncate(object, 60), objectWhatsApp)
	}
	if isAbsent(env.Entry) {
		return nil, malformed("body", `missing "entry"`)
	}
	var entries []json.RawMessage
	if err := decodeAt(env.Entry, &entries, "entry"); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, malformed("entry", "empty array")
	}
	events := make([]Event, 0, len(entries))
	for i, raw := range entries {
		var err error
		if events, err = parseEntry(events, fmt.Sprintf("entry[%d]", i), raw); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// parseEntry appends the events of one entry[] item to events.
func parseEntry(events []Event, where string, raw json.RawMessage) ([]Event, error) {
	var e wireEntry
	if err := decodeAt(raw, &e, where); err != nil {
		return nil, err
	}
	wabaID, err := parseID(e.ID)
	if err != nil {
		return nil, fieldError(where, "id", err)
	}
	if wabaID == "" {
		return nil, malformed(where, `missing "id"`)
	}
	var entryTime time.Time
	if !isAbsent(e.Time) {
		if entryTime, err = parseTimestamp(e.Time); err != nil {
			return nil, fieldError(where, "time", err)
		}
	}
	if isAbsent(e.Changes) {
		return nil, malformed(where, `missing "changes"`)
	}
	var changes []json.RawMessage
	if err := decodeAt(e.Changes, &changes, where+".changes"); err != nil {
		return nil, err
	}
	base := Event{WABAID: wabaID, EntryTime: entryTime}
	for j, craw := range changes {
		if events, err = parseChange(events, fmt.Sprintf("%s.changes[%d]", where, j), craw, base); err != nil {
			return nil, err
		}
	}
	return events, nil
}

// parseChange appends the events of one change; base carries the entry's
// WABA id and time.
func parseChange(events []Event, where string, raw json.RawMessage, base Event) ([]Event, error) {
	var c wireChange
	if err := decodeAt(raw, &c, where); err != nil {
		return nil, err
	}
	if c.Field == "" {
		return nil, malformed(where, `missing "field"`)
	}
	switch c.Field {
	case fieldMessages, fieldTemplateStatus, fieldAccountUpdate, fieldQualityUpdate, fieldPreferences, fieldCategory:
	default:
		return events, nil
	}
	if isAbsent(c.Value) {
		return nil, malformed(where, `missing "value"`)
	}
	vwhere := where + ".value"
	switch c.Field {
	case fieldMessages:
		return parseMessagesValue(events, vwhere, c.Value, base)
	case fieldTemplateStatus:
		return parseTemplateStatus(events, vwhere, c.Value, base)
	case fieldAccountUpdate:
		return parseAccountUpdate(events, vwhere, c.Value, base)
	case fieldPreferences:
		return parseUserPreferences(events, vwhere, c.Value, base)
	case fieldCategory:
		return parseTemplateCategory(events, vwhere, c.Value, base)
	default:
		return parseQualityUpdate(events, vwhere, c.Value, base)
	}
}

// parseMessagesValue appends the messages, statuses and system errors of a
// "messages" change.
func parseMessagesValue(events []Event, where string, raw json.RawMessage, base Event) ([]Event, error) {
	var v wireMessagesValue
	if err := decodeAt(raw, &v, where); err != nil {
		return nil, err
	}
	// Messages and statuses must say which of our numbers they belong to;
	// a bare system error is still worth recording without it.
	base, err := v.Metadata.onNumber(where, base, len(v.Messages) > 0 || len(v.Statuses) > 0)
	if err != nil {
		return nil, err
	}

	profiles := profilesOf(v.Contacts)
	for k, mraw := range v.Messages {
		mwhere := fmt.Sprintf("%s.messages[%d]", where, k)
		var w wireMessage
		if err := decodeAt(mraw, &w, mwhere); err != nil {
			return nil, err
		}
		m, err := w.toMessage(mwhere, profiles)
		if err != nil {
			return nil, err
		}
		ev := base
		ev.Kind, ev.Message, ev.Index = EventMessage, &m, k
		events = append(events, ev)
	}
	for k, sraw := range v.Statuses {
		swhere := fmt.Sprintf("%s.statuses[%d]", where, k)
		var w wireStatus
		if err := decodeAt(sraw, &w, swhere); err != nil {
			return nil, err
		}
		s, err := w.toStatus(swhere)
		if err != nil {
			return nil, err
		}
		ev := base
		ev.Kind, ev.Status, ev.Index = EventStatus, &s, k
		events = append(events, ev)
	}
	for k, eraw := range v.Errors {
		ewhere := fmt.Sprintf("%s.errors[%d]", where, k)
		var w wireError
		if err := decodeAt(eraw, &w, ewhere); err != nil {
			return nil, err
		}
		e, err := w.toError(ewhere)
		if err != nil {
			return nil, err
		}
		ev := base
		ev.Kind, ev.Errors, ev.Index = EventError, []Error{e}, k
		events = append(events, ev)
	}
	return events, nil
}

// parseTemplateStatus appends the event of a template status change.
func parseTemplateStatus(events []Event, where string, raw json.RawMessage, base Event) ([]Event, error) {
	var w wireTemplateStatus
	if err := decodeAt(raw, &w, where); err != nil {
		return nil, err
	}
	if w.Event == "" {
		return nil, malformed(where, `missing "event"`)
	}
	id, err := parseID(w.TemplateID)
	if err != nil {
		return nil, fieldError(where, "message_template_id", err)
	}
	if id == "" {
		return nil, malformed(where, `missing "message_template_id"`)
	}
	ev := base
	ev.Kind = EventTemplateStatus
	ev.TemplateStatus = &TemplateStatusUpdate{
		Event: w.Event, TemplateID: id, Name: w.Name, Language: w.Language,
		Reason: w.Reason, Category: w.Category, OtherInfo: normRaw(w.OtherInfo),
		DisableInfo: normRaw(w.DisableInfo), RejectionInfo: normRaw(w.RejectionInfo),
		At: base.EntryTime,
	}
	return append(events, ev), nil
}

// parseAccountUpdate appends the event of an account update change.
func parseAccountUpdate(events []Event, where string, raw json.RawMessage, base Event) ([]Event, error) {
	var w wireAccountUpdate
	if err := decodeAt(raw, &w, where); err != nil {
		return nil, err
	}
	if w.Event == "" {
		return nil, malformed(where, `missing "event"`)
	}
	phone, err := parseID(w.PhoneNumber)
	if err != nil {
		return nil, fieldError(where, "phone_number", err)
	}
	ev := base
	ev.Kind = EventAccountUpdate
	ev.AccountUpdate = &AccountUpdate{
		Event: w.Event, PhoneNumber: phone, BanInfo: normRaw(w.BanInfo),
		ViolationInfo: normRaw(w.ViolationInfo), RestrictionInfo: normRaw(w.RestrictionInfo),
		Raw: normRaw(raw), At: base.EntryTime,
	}
	return append(events, ev), nil
}

// parseQualityUpdate appends the event of a phone number quality change.
func parseQualityUpdate(events []Event, where string, raw json.RawMessage, base Event) ([]Event, error) {
	var w wireQualityUpdate
	if err := decodeAt(raw, &w, where); err != nil {
		return nil, err
	}
	if w.Event == "" {
		return nil, malformed(where, `missing "event"`)
	}
	display, err := parseID(w.DisplayPhoneNumber)
	if err != nil {
		return nil, fieldError(where, "display_phone_number", err)
	}
	if display == "" {
		return nil, malformed(where, `missing "display_phone_number"`)
	}
	maxDaily, err := parseID(w.MaxDaily)
	if err != nil {
		return nil, fieldError(where, "max_daily_conversations_per_business", err)
	}
	ev := base
	ev.Kind = EventQualityUpdate
	ev.DisplayPhoneNumber = display
	ev.QualityUpdate = &QualityUpdate{
		DisplayPhoneNumber: display, Event: w.Event, CurrentLimit: w.CurrentLimit,
		OldLimit: w.OldLimit, MaxDailyConversationsPerBusiness: maxDaily,
		QualityRating: w.QualityRating, At: base.EntryTime,
	}
	return append(events, ev), nil
}

// parseUserPreferences appends the items of a "user_preferences" change.
func parseUserPreferences(events []Event, where string, raw json.RawMessage, base Event) ([]Event, error) {
	var v wirePreferencesValue
	if err := decodeAt(raw, &v, where); err != nil {
		return nil, err
	}
	base, err := v.Metadata.onNumber(where, base, len(v.Preferences) > 0)
	if err != nil {
		return nil, err
	}
	profiles := profilesOf(v.Contacts)
	for k, praw := range v.Preferences {
		pwhere := fmt.Sprintf("%s.user_preferences[%d]", where, k)
		var w wirePreference
		if err := decodeAt(praw, &w, pwhere); err != nil {
			return nil, err
		}
		p, err := w.toPreference(pwhere, profiles)
		if err != nil {
			return nil, err
		}
		ev := base
		ev.Kind, ev.UserPreference, ev.Index = EventUserPreference, &p, k
		events = append(events, ev)
	}
	return events, nil
}

// parseTemplateCategory appends the event of a template category change.
func parseTemplateCategory(events []Event, where string, raw json.RawMessage, base Event) ([]Event, error) {
	var w wireTemplateCategory
	if err := decodeAt(raw, &w, where); err != nil {
		return nil, err
	}
	id, err := parseID(w.TemplateID)
	if err != nil {
		return nil, fieldError(where, "message_template_id", err)
	}
	if id == "" {
		return nil, malformed(where, `missing "message_template_id"`)
	}
	if w.New == "" {
		return nil, malformed(where, `missing "new_category"`)
	}
	u := &TemplateCategoryUpdate{TemplateID: id, Name: w.Name, Language: w.Language, New: w.New,
		Previous: w.Previous, Correct: w.Correct, At: base.EntryTime}
	if !isAbsent(w.UpdateAt) {
		if u.UpdateAt, err = parseTimestamp(w.UpdateAt); err != nil {
			return nil, fieldError(where, "category_update_timestamp", err)
		}
	}
	ev := base
	ev.Kind, ev.TemplateCategory = EventTemplateCategory, u
	return append(events, ev), nil
}
