package whatsapp

import (
	"encoding/json"
	"time"
)

// InboundMessage is one message a customer sent to one of our numbers
// (value.messages[] of a "messages" change). Only the content field that
// matches Type is normally set; Context and Referral may accompany any
// type. Types this package does not model keep their Type and carry no
// content, so new Meta message types never make a payload fail.
type InboundMessage struct {
	// ID is the message's wamid, globally unique and used for dedupe,
	// replies and reactions.
	ID string `json:"id"`
	// From is the customer's wa_id (digits, no "+"). It is empty for a
	// customer who uses a WhatsApp username and has not shared their
	// number: FromUserID is set instead.
	From string `json:"from"`
	// FromUserID is Meta's business-scoped user id of the customer, sent
	// for users of WhatsApp usernames (from_user_id).
	FromUserID string `json:"from_user_id,omitempty"`
	// ProfileName is the customer's WhatsApp profile name, taken from the
	// value.contacts[] entry whose wa_id equals From (or, without From,
	// whose user_id equals FromUserID).
	ProfileName string `json:"profile_name,omitempty"`
	// Timestamp is when WhatsApp received the message. Meta sends unix
	// seconds as a string, occasionally milliseconds; both are accepted.
	Timestamp time.Time `json:"timestamp"`
	// Type is Meta's message type: text, image, video, audio, document,
	// sticker, location, contacts, interactive, button, reaction, order,
	// system, unsupported, unknown, or a newer one. Never empty: a payload
	// without a type is recorded as "unknown".
	Type        string          `json:"type"`
	Text        *Text           `json:"text,omitempty"`
	Image       *Media          `json:"image,omitempty"`
	Video       *Media          `json:"video,omitempty"`
	Audio       *Media          `json:"audio,omitempty"`
	Document    *Media          `json:"document,omitempty"`
	Sticker     *Media          `json:"sticker,omitempty"`
	Location    *Location       `json:"location,omitempty"`
	Contacts    json.RawMessage `json:"contacts,omitempty"` // contact cards, kept as Meta sent them
	Interactive *Interactive    `json:"interactive,omitempty"`
	Button      *Button         `json:"button,omitempty"`
	Reaction    *Reaction       `json:"reaction,omitempty"`
	Context     *Context        `json:"context,omitempty"`
	Referral    json.RawMessage `json:"referral,omitempty"` // Click-to-WhatsApp ad data
	Order       json.RawMessage `json:"order,omitempty"`
	System      *System         `json:"system,omitempty"`
	// Errors explains why Meta could not deliver the content (type
	// "unsupported" or "unknown", code 131051 and friends).
	Errors []Error `json:"errors,omitempty"`
}

// Text is the content of a text message.
type Text struct {
	Body string `json:"body"`
}

// Media is the content of image, video, audio, document and sticker
// messages. Inbound media carry only an id; the URL has to be fetched from
// the Graph API with that id, so no URL is stored here.
type Media struct {
	ID       string `json:"id,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"` // base64, as Meta sends it
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"` // documents only
	Voice    bool   `json:"voice,omitempty"`    // audio recorded as a voice note
	Animated bool   `json:"animated,omitempty"` // animated sticker
}

// Location is a shared location pin.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// Interactive is the customer's answer to an interactive message we sent:
// a reply button, a list row, or a completed Flow (nfm_reply).
type Interactive struct {
	Type        string          `json:"type"` // button_reply, list_reply, nfm_reply, ...
	ButtonReply *Reply          `json:"button_reply,omitempty"`
	ListReply   *Reply          `json:"list_reply,omitempty"`
	NFMReply    json.RawMessage `json:"nfm_reply,omitempty"` // {name, body, response_json}
}

// Reply is the chosen button or list row; ID is the id we gave it when
// sending, which is what flows branch on.
type Reply struct {
	ID          string `json:"id"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// Button is a tap on a template's quick-reply button. Payload is the
// payload we set in the template send; Text is the button label.
type Button struct {
	Payload string `json:"payload,omitempty"`
	Text    string `json:"text,omitempty"`
}

// Reaction is an emoji reaction to an earlier message. An empty Emoji
// means the customer removed their reaction.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji,omitempty"`
}

// Context links a message to an earlier one: the message being replied to
// (From is then our number), or a product the customer asked about.
type Context struct {
	From                string          `json:"from,omitempty"`
	ID                  string          `json:"id,omitempty"`
	Forwarded           bool            `json:"forwarded,omitempty"`
	FrequentlyForwarded bool            `json:"frequently_forwarded,omitempty"`
	ReferredProduct     json.RawMessage `json:"referred_product,omitempty"`
}

// System is a system notice about the customer, such as a changed phone
// number. WAID is the customer's new wa_id (Meta's older payloads call it
// new_wa_id; both are accepted).
type System struct {
	Body string `json:"body,omitempty"`
	WAID string `json:"wa_id,omitempty"`
	Type string `json:"type,omitempty"` // e.g. user_changed_number
}
