package forward

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Event names what a delivery reports (one kind so far).
const Event = "message.received"

// Headers of every request.
const (
	HeaderTimestamp = "X-Zapflow-Timestamp"
	HeaderSignature = "X-Zapflow-Signature"
	HeaderDelivery  = "X-Zapflow-Delivery"
	HeaderEvent     = "X-Zapflow-Event"
)

// Payload is what the endpoint receives: the JSON body of a POST, or (the
// fields named in Query) the query parameters of a GET.
type Payload struct {
	Event      string `json:"event"`
	DeliveryID string `json:"delivery_id"`
	// MessageID is WhatsApp's id of the message (wamid);
	// ZapflowMessageID is zapflow's, as the REST API names it.
	MessageID        string `json:"message_id"`
	ZapflowMessageID int64  `json:"zapflow_message_id"`
	ConversationID   int64  `json:"conversation_id"`
	// Sender is the customer's WhatsApp id (their number in digits, as
	// WhatsApp sends it); Phone the same number in E.164 (+5511…).
	Sender string `json:"sender"`
	Phone  string `json:"phone"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	// Text is the text of a text message, a media's caption, or a short
	// description of other types (a button's text, a location's name).
	Text  string `json:"text"`
	Media *Media `json:"media,omitempty"`
	// Content is the message object as WhatsApp described it.
	Content json.RawMessage `json:"content,omitempty"`
	// Timestamp is when the customer sent it (RFC 3339, UTC).
	Timestamp string `json:"timestamp"`
	// To is the business number that received it.
	To Business `json:"to"`
}

// Media describes a message's image, audio, video, document or sticker.
// URL fetches it through zapflow with an API key (Authorization: Bearer).
type Media struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Filename string `json:"filename,omitempty"`
	Caption  string `json:"caption,omitempty"`
	URL      string `json:"url"`
}

// Business is a business phone number of zapflow.
type Business struct {
	PhoneNumberID string `json:"phone_number_id"`
	Phone         string `json:"phone"`
}

// payloadOf snapshots an inbound message.
func (s *Service) payloadOf(deliveryID string, ev messaging.InboundEvent) Payload {
	m := ev.Message
	p := Payload{Event: Event, DeliveryID: deliveryID, MessageID: m.WAMID, ZapflowMessageID: m.ID,
		ConversationID: ev.ConversationID, Sender: phone.WAID(ev.ContactPhone), Phone: ev.ContactPhone, Name: ev.ContactName,
		Type: m.Type, Text: m.Summary, Timestamp: m.OccurredAt.UTC().Format(time.RFC3339),
		To: Business{PhoneNumberID: ev.Sender.PhoneNumberID, Phone: ev.Sender.DisplayPhoneNumber}}
	if len(m.Content) > 0 && json.Valid(m.Content) {
		p.Content = m.Content
	}
	if slices.Contains(messaging.MediaTypes, m.Type) {
		var md whatsapp.Media
		if json.Unmarshal(m.Content, &md) == nil && md.ID != "" {
			p.Media = &Media{ID: md.ID, MimeType: md.MimeType, SHA256: md.SHA256, Filename: md.Filename, Caption: md.Caption,
				URL: s.PublicURL + "/api/v1/messages/" + strconv.FormatInt(m.ID, 10) + "/media"}
			p.Text = md.Caption
		}
	}
	return p
}

// Query is the payload as a GET's query parameters.
func (p Payload) Query() url.Values {
	q := url.Values{}
	q.Set("delivery_id", p.DeliveryID)
	q.Set("message_id", p.MessageID)
	q.Set("conversation_id", strconv.FormatInt(p.ConversationID, 10))
	q.Set("sender", p.Sender)
	q.Set("phone", p.Phone)
	q.Set("name", p.Name)
	q.Set("type", p.Type)
	q.Set("text", p.Text)
	q.Set("timestamp", p.Timestamp)
	mediaID, mediaURL := "", ""
	if p.Media != nil {
		mediaID, mediaURL = p.Media.ID, p.Media.URL
	}
	q.Set("media_id", mediaID)
	q.Set("media_url", mediaURL)
	return q
}

// Sign is the X-Zapflow-Signature of a request: "sha256=" and the hex
// HMAC-SHA256, keyed with the secret, of the timestamp header's value, a
// dot and the signed content (a POST's body, a GET's raw query string).
func Sign(secret, timestamp string, content []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(content)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
