package whatsapp

import (
	"cmp"
	"encoding/json"
	"fmt"
)

// This file holds the shapes Meta sends and their conversion to our types.
// Fields whose JSON type varies (ids, timestamps, codes) are decoded as
// json.RawMessage and converted by hand, so one odd field produces an
// error that names it instead of a generic decoder failure.

// wireEntry is one entry[] item: one WhatsApp Business Account.
type wireEntry struct {
	ID      json.RawMessage `json:"id"`
	Time    json.RawMessage `json:"time"`
	Changes json.RawMessage `json:"changes"`
}

// wireChange is one entry[].changes[] item.
type wireChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// wireMetadata is value.metadata: which of our numbers a change is about.
type wireMetadata struct {
	DisplayPhoneNumber string          `json:"display_phone_number"`
	PhoneNumberID      json.RawMessage `json:"phone_number_id"`
}

// onNumber is base on the number metadata names. required: the value
// carries items that must say which of our numbers they belong to.
func (m wireMetadata) onNumber(where string, base Event, required bool) (Event, error) {
	phoneID, err := parseID(m.PhoneNumberID)
	if err != nil {
		return base, fieldError(where+".metadata", "phone_number_id", err)
	}
	if phoneID == "" && required {
		return base, malformed(where, `missing "metadata.phone_number_id"`)
	}
	base.PhoneNumberID, base.DisplayPhoneNumber = phoneID, m.DisplayPhoneNumber
	return base, nil
}

// wireMessagesValue is the value of a "messages" change.
type wireMessagesValue struct {
	Metadata wireMetadata      `json:"metadata"`
	Contacts []wireContact     `json:"contacts"`
	Messages []json.RawMessage `json:"messages"`
	Statuses []json.RawMessage `json:"statuses"`
	Errors   []json.RawMessage `json:"errors"`
}

// wireContact is a value.contacts[] item: the profile of a message sender.
// A customer who uses a WhatsApp username may come with a user_id (the
// business-scoped user id) and no wa_id.
type wireContact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WAID   string `json:"wa_id"`
	UserID string `json:"user_id"`
}

// profilesOf maps each sender's wa_id, and user_id where given, to its
// profile name.
func profilesOf(contacts []wireContact) map[string]string {
	profiles := make(map[string]string, len(contacts))
	for _, c := range contacts {
		if c.Profile.Name == "" {
			continue
		}
		for _, id := range []string{c.WAID, c.UserID} {
			if id != "" {
				profiles[id] = c.Profile.Name
			}
		}
	}
	return profiles
}

// wireMessage is a value.messages[] item. Content objects whose shape is
// the same on the wire as in our types decode straight into them.
type wireMessage struct {
	ID          string          `json:"id"`
	From        string          `json:"from"`
	FromUserID  string          `json:"from_user_id"`
	Timestamp   json.RawMessage `json:"timestamp"`
	Type        string          `json:"type"`
	Text        *Text           `json:"text"`
	Image       *Media          `json:"image"`
	Video       *Media          `json:"video"`
	Audio       *Media          `json:"audio"`
	Document    *Media          `json:"document"`
	Sticker     *Media          `json:"sticker"`
	Location    *Location       `json:"location"`
	Contacts    json.RawMessage `json:"contacts"`
	Interactive *Interactive    `json:"interactive"`
	Button      *Button         `json:"button"`
	Reaction    *Reaction       `json:"reaction"`
	Context     *Context        `json:"context"`
	Referral    json.RawMessage `json:"referral"`
	Order       json.RawMessage `json:"order"`
	System      *wireSystem     `json:"system"`
	Errors      []wireError     `json:"errors"`
}

// wireSystem is a system message body; older payloads name the new wa_id
// new_wa_id.
type wireSystem struct {
	Body    string `json:"body"`
	WAID    string `json:"wa_id"`
	NewWAID string `json:"new_wa_id"`
	Type    string `json:"type"`
}

// wireStatus is a value.statuses[] item.
type wireStatus struct {
	ID                    string          `json:"id"`
	Status                string          `json:"status"`
	Timestamp             json.RawMessage `json:"timestamp"`
	RecipientID           string          `json:"recipient_id"`
	Errors                []wireError     `json:"errors"`
	Conversation          json.RawMessage `json:"conversation"`
	Pricing               json.RawMessage `json:"pricing"`
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data"`
}

// wireError is Meta's webhook error object; details sit in error_data.
type wireError struct {
	Code      json.RawMessage `json:"code"`
	Title     string          `json:"title"`
	Message   string          `json:"message"`
	ErrorData json.RawMessage `json:"error_data"`
	Href      string          `json:"href"`
}

// wireTemplateStatus is the value of a "message_template_status_update".
type wireTemplateStatus struct {
	Event         string          `json:"event"`
	TemplateID    json.RawMessage `json:"message_template_id"`
	Name          string          `json:"message_template_name"`
	Language      string          `json:"message_template_language"`
	Reason        string          `json:"reason"`
	Category      string          `json:"message_template_category"`
	OtherInfo     json.RawMessage `json:"other_info"`
	DisableInfo   json.RawMessage `json:"disable_info"`
	RejectionInfo json.RawMessage `json:"rejection_info"`
}

// wireTemplateCategory is the value of a "template_category_update".
type wireTemplateCategory struct {
	TemplateID json.RawMessage `json:"message_template_id"`
	Name       string          `json:"message_template_name"`
	Language   string          `json:"message_template_language"`
	New        string          `json:"new_category"`
	Previous   string          `json:"previous_category"`
	Correct    string          `json:"correct_category"`
	UpdateAt   json.RawMessage `json:"category_update_timestamp"`
}

// wireAccountUpdate is the value of an "account_update".
type wireAccountUpdate struct {
	Event           string          `json:"event"`
	PhoneNumber     json.RawMessage `json:"phone_number"`
	BanInfo         json.RawMessage `json:"ban_info"`
	ViolationInfo   json.RawMessage `json:"violation_info"`
	RestrictionInfo json.RawMessage `json:"restriction_info"`
}

// wireQualityUpdate is the value of a "phone_number_quality_update".
type wireQualityUpdate struct {
	DisplayPhoneNumber json.RawMessage `json:"display_phone_number"`
	Event              string          `json:"event"`
	CurrentLimit       string          `json:"current_limit"`
	OldLimit           string          `json:"old_limit"`
	MaxDaily           json.RawMessage `json:"max_daily_conversations_per_business"`
	QualityRating      string          `json:"quality_rating"`
}

// wirePreferencesValue is the value of a "user_preferences" change.
type wirePreferencesValue struct {
	Metadata    wireMetadata      `json:"metadata"`
	Contacts    []wireContact     `json:"contacts"`
	Preferences []json.RawMessage `json:"user_preferences"`
}

// wirePreference is a value.user_preferences[] item.
type wirePreference struct {
	WAID      json.RawMessage `json:"wa_id"`
	UserID    string          `json:"user_id"`
	Detail    string          `json:"detail"`
	Category  string          `json:"category"`
	Value     string          `json:"value"`
	Timestamp json.RawMessage `json:"timestamp"`
}

// toPreference validates a decoded preference and converts it.
func (w wirePreference) toPreference(where string, profiles map[string]string) (UserPreference, error) {
	waid, err := parseID(w.WAID)
	if err != nil {
		return UserPreference{}, fieldError(where, "wa_id", err)
	}
	if waid == "" && w.UserID == "" {
		// A customer with a WhatsApp username may come by user_id alone,
		// as their messages do (toMessage).
		return UserPreference{}, malformed(where, `missing "wa_id"`)
	}
	if w.Value == "" {
		return UserPreference{}, malformed(where, `missing "value"`)
	}
	p := UserPreference{WAID: waid, UserID: w.UserID, Category: w.Category, Value: w.Value, Detail: w.Detail,
		ProfileName: profiles[cmp.Or(waid, w.UserID)]}
	if !isAbsent(w.Timestamp) {
		if p.Timestamp, err = parseTimestamp(w.Timestamp); err != nil {
			return UserPreference{}, fieldError(where, "timestamp", err)
		}
	}
	return p, nil
}

// toMessage validates a decoded message and converts it. profiles maps
// wa_id to profile name from value.contacts.
func (w wireMessage) toMessage(where string, profiles map[string]string) (InboundMessage, error) {
	if w.ID == "" {
		return InboundMessage{}, malformed(where, `missing "id"`)
	}
	if w.From == "" && w.FromUserID == "" {
		return InboundMessage{}, malformed(where, `missing "from"`)
	}
	ts, err := parseTimestamp(w.Timestamp)
	if err != nil {
		return InboundMessage{}, fieldError(where, "timestamp", err)
	}
	errs, err := convertErrors(where, w.Errors)
	if err != nil {
		return InboundMessage{}, err
	}
	typ := w.Type
	if typ == "" {
		typ = "unknown"
	}
	m := InboundMessage{
		ID: w.ID, From: w.From, FromUserID: w.FromUserID, ProfileName: profiles[firstNonEmpty(w.From, w.FromUserID)], Timestamp: ts, Type: typ,
		Text: w.Text, Image: w.Image, Video: w.Video, Audio: w.Audio, Document: w.Document,
		Sticker: w.Sticker, Location: w.Location, Contacts: normRaw(w.Contacts),
		Interactive: w.Interactive, Button: w.Button, Reaction: w.Reaction, Context: w.Context,
		Referral: normRaw(w.Referral), Order: normRaw(w.Order), Errors: errs,
	}
	if m.Interactive != nil {
		m.Interactive.NFMReply = normRaw(m.Interactive.NFMReply)
	}
	if m.Context != nil {
		m.Context.ReferredProduct = normRaw(m.Context.ReferredProduct)
	}
	if s := w.System; s != nil {
		waid := s.WAID
		if waid == "" {
			waid = s.NewWAID
		}
		m.System = &System{Body: s.Body, WAID: waid, Type: s.Type}
	}
	return m, nil
}

// toStatus validates a decoded status and converts it.
func (w wireStatus) toStatus(where string) (Status, error) {
	if w.ID == "" {
		return Status{}, malformed(where, `missing "id"`)
	}
	if w.Status == "" {
		return Status{}, malformed(where, `missing "status"`)
	}
	ts, err := parseTimestamp(w.Timestamp)
	if err != nil {
		return Status{}, fieldError(where, "timestamp", err)
	}
	errs, err := convertErrors(where, w.Errors)
	if err != nil {
		return Status{}, err
	}
	return Status{
		ID: w.ID, Status: w.Status, RecipientID: w.RecipientID, Timestamp: ts, Errors: errs,
		Conversation: normRaw(w.Conversation), Pricing: normRaw(w.Pricing),
		BizOpaqueCallbackData: w.BizOpaqueCallbackData,
	}, nil
}

// convertErrors converts a list of error objects found at where+".errors".
func convertErrors(where string, ws []wireError) ([]Error, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	out := make([]Error, 0, len(ws))
	for i, w := range ws {
		e, err := w.toError(fmt.Sprintf("%s.errors[%d]", where, i))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// toError converts an error object. error_data is normally an object with
// "details", but a bare string is accepted as the details too.
func (w wireError) toError(where string) (Error, error) {
	code, err := parseLooseInt(w.Code)
	if err != nil {
		return Error{}, fieldError(where, "code", err)
	}
	e := Error{Code: code, Title: w.Title, Message: w.Message, Href: w.Href}
	if !isAbsent(w.ErrorData) {
		var data struct {
			Details string `json:"details"`
		}
		var text string
		switch {
		case json.Unmarshal(w.ErrorData, &data) == nil:
			e.Details = data.Details
		case json.Unmarshal(w.ErrorData, &text) == nil:
			e.Details = text
		default:
			return Error{}, malformed(where, `"error_data": want an object or a string`)
		}
	}
	return e, nil
}
