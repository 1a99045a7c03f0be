package sandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"
)

// Webhook payload types, in the shapes Meta posts. They are our own on
// purpose: the sandbox must not share structs with the client it tests.
type whPayload struct {
	Object string    `json:"object"`
	Entry  []whEntry `json:"entry"`
}

type whEntry struct {
	ID      string     `json:"id"`
	Time    int64      `json:"time,omitempty"` // only on non-"messages" fields (integer unix seconds)
	Changes []whChange `json:"changes"`
}

type whChange struct {
	Value any    `json:"value"`
	Field string `json:"field"`
}

type whMessagesValue struct {
	MessagingProduct string      `json:"messaging_product"`
	Metadata         whMetadata  `json:"metadata"`
	Contacts         []whContact `json:"contacts,omitempty"`
	Messages         []whMessage `json:"messages,omitempty"`
	Statuses         []whStatus  `json:"statuses,omitempty"`
}

type whMetadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

type whContact struct {
	Profile whProfile `json:"profile"`
	WaID    string    `json:"wa_id"`
}

type whProfile struct {
	Name string `json:"name"`
}

type whMessage struct {
	From      string  `json:"from"`
	ID        string  `json:"id"`
	Timestamp string  `json:"timestamp"`
	Type      string  `json:"type"`
	Text      *whText `json:"text,omitempty"`
	// Context names the business message a button tap or list pick
	// answers (customer_rich.go).
	Context *whContext `json:"context,omitempty"`
	// Richer messages (customer_rich.go).
	Image       *whMedia       `json:"image,omitempty"`
	Button      *whButton      `json:"button,omitempty"`
	Interactive *whInteractive `json:"interactive,omitempty"`
	// Media, documents and pins (customer_media.go).
	Audio    *whMedia    `json:"audio,omitempty"`
	Document *whMedia    `json:"document,omitempty"`
	Location *whLocation `json:"location,omitempty"`
}

type whText struct {
	Body string `json:"body"`
}

type whStatus struct {
	ID                    string          `json:"id"`
	Status                string          `json:"status"`
	Timestamp             string          `json:"timestamp"`
	RecipientID           string          `json:"recipient_id"`
	Conversation          *whConversation `json:"conversation,omitempty"`
	Pricing               *whPricing      `json:"pricing,omitempty"`
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data,omitempty"`
	Errors                []whError       `json:"errors,omitempty"`
}

type whConversation struct {
	ID                  string   `json:"id"`
	ExpirationTimestamp string   `json:"expiration_timestamp,omitempty"`
	Origin              whOrigin `json:"origin"`
}

type whOrigin struct {
	Type string `json:"type"`
}

type whPricing struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Type         string `json:"type"`
	Category     string `json:"category"`
}

type whError struct {
	Code      int          `json:"code"`
	Title     string       `json:"title"`
	Message   string       `json:"message"`
	ErrorData *whErrorData `json:"error_data,omitempty"`
	Href      string       `json:"href,omitempty"`
}

type whErrorData struct {
	Details string `json:"details"`
}

type whTemplateStatus struct {
	Event                   string         `json:"event"`
	MessageTemplateID       int64          `json:"message_template_id"`
	MessageTemplateName     string         `json:"message_template_name"`
	MessageTemplateLanguage string         `json:"message_template_language"`
	MessageTemplateCategory string         `json:"message_template_category,omitempty"`
	Reason                  string         `json:"reason"`
	OtherInfo               *whOtherInfo   `json:"other_info,omitempty"`
	DisableInfo             *whDisableInfo `json:"disable_info,omitempty"`
}

type whOtherInfo struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

type whDisableInfo struct {
	DisableDate int64 `json:"disable_date"`
}

type whQualityUpdate struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	Event              string `json:"event"`
	CurrentLimit       string `json:"current_limit"`
}

type whAccountUpdate struct {
	PhoneNumber string `json:"phone_number"`
	Event       string `json:"event"`
}

// asciiJSON encodes v as Meta does: compact JSON where every non-ASCII rune
// is written as \uXXXX with lowercase hex (astral runes as surrogate pairs).
// The bytes returned are exactly what gets signed and sent. HTML characters
// are left alone and "/" is not escaped (unconfirmed for WhatsApp).
func asciiJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return escapeNonASCII(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// escapeNonASCII rewrites every non-ASCII rune of a valid JSON text as a
// \u escape. Non-ASCII bytes can only occur inside JSON strings, so this
// keeps the document's meaning.
func escapeNonASCII(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		i += size
		if r > 0xFFFF {
			hi, lo := utf16.EncodeRune(r)
			out = appendEscape(appendEscape(out, hi), lo)
			continue
		}
		out = appendEscape(out, r)
	}
	return out
}

func appendEscape(out []byte, r rune) []byte {
	const hexDigits = "0123456789abcdef"
	return append(out, '\\', 'u',
		hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// signature is the X-Hub-Signature-256 value for body: "sha256=" and the
// lowercase hex HMAC-SHA256 keyed with the app secret.
func signature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// buildPayload groups a batch of due events into one POST body. Consecutive
// "messages" events of the same number and kind share one change (several
// messages or statuses in one value, as Meta batches them); other fields get
// their own entry with an integer time.
func (s *Sandbox) buildPayload(batch []*event) whPayload {
	p := whPayload{Object: "whatsapp_business_account"}
	for _, ev := range batch {
		if ev.field != "messages" {
			p.Entry = append(p.Entry, whEntry{ID: s.cfg.WABAID, Time: ev.time,
				Changes: []whChange{{Field: ev.field, Value: ev.value}}})
			continue
		}
		n := len(p.Entry)
		if n == 0 || p.Entry[n-1].Time != 0 {
			p.Entry = append(p.Entry, whEntry{ID: s.cfg.WABAID})
			n++
		}
		entry := &p.Entry[n-1]
		var val *whMessagesValue
		if m := len(entry.Changes); m > 0 {
			if v, ok := entry.Changes[m-1].Value.(*whMessagesValue); ok &&
				v.Metadata.PhoneNumberID == ev.meta.PhoneNumberID && (len(v.Statuses) > 0) == (ev.status != nil) {
				val = v
			}
		}
		if val == nil {
			val = &whMessagesValue{MessagingProduct: "whatsapp", Metadata: ev.meta}
			entry.Changes = append(entry.Changes, whChange{Field: "messages", Value: val})
		}
		if ev.status != nil {
			val.Statuses = append(val.Statuses, *ev.status)
			continue
		}
		if !hasContact(val.Contacts, ev.contact.WaID) {
			val.Contacts = append(val.Contacts, *ev.contact)
		}
		val.Messages = append(val.Messages, *ev.message)
	}
	return p
}

func hasContact(cs []whContact, waID string) bool {
	for _, c := range cs {
		if c.WaID == waID {
			return true
		}
	}
	return false
}
