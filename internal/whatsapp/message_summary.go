package whatsapp

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Summary is a short human-readable text for the message, for inbox lists,
// notifications and trigger matching: the text body, the media caption,
// "[image]", "📍 name", the button or list reply title, "reacted 👍", and
// so on. It never returns "" for a message the parser produced.
func (m InboundMessage) Summary() string {
	switch m.Type {
	case "text":
		if m.Text != nil && m.Text.Body != "" {
			return m.Text.Body
		}
	case "image", "video", "audio", "document", "sticker":
		if md := m.media(); md != nil {
			return mediaSummary(m.Type, md)
		}
	case "location":
		if l := m.Location; l != nil {
			return "📍 " + firstNonEmpty(l.Name, l.Address,
				strconv.FormatFloat(l.Latitude, 'f', -1, 64)+", "+strconv.FormatFloat(l.Longitude, 'f', -1, 64))
		}
	case "contacts":
		return contactsSummary(m.Contacts)
	case "interactive":
		if s := interactiveSummary(m.Interactive); s != "" {
			return s
		}
	case "button":
		if b := m.Button; b != nil && firstNonEmpty(b.Text, b.Payload) != "" {
			return firstNonEmpty(b.Text, b.Payload)
		}
	case "reaction":
		if r := m.Reaction; r != nil {
			if r.Emoji == "" {
				return "removed a reaction"
			}
			return "reacted " + r.Emoji
		}
	case "order":
		return orderSummary(m.Order)
	case "system":
		if m.System != nil && m.System.Body != "" {
			return m.System.Body
		}
	case "unsupported", "unknown":
		return "[unsupported message]"
	}
	return "[" + m.Type + "]"
}

// Content returns the type-specific object of the message as JSON (the
// text, image, location… object), for storage next to Summary. A message
// Meta could not deliver (unsupported, unknown) keeps Meta's errors, as
// {"errors": [{code, title, message, details}]}, so the team sees why.
// It is nil for other types without modelled content.
func (m InboundMessage) Content() json.RawMessage {
	if len(m.Errors) > 0 && (m.Type == "unsupported" || m.Type == "unknown") {
		return marshalContent(&struct {
			Errors []Error `json:"errors"`
		}{m.Errors})
	}
	switch m.Type {
	case "text":
		return marshalContent(m.Text)
	case "image", "video", "audio", "document", "sticker":
		return marshalContent(m.media())
	case "location":
		return marshalContent(m.Location)
	case "contacts":
		return m.Contacts
	case "interactive":
		return marshalContent(m.Interactive)
	case "button":
		return marshalContent(m.Button)
	case "reaction":
		return marshalContent(m.Reaction)
	case "order":
		return m.Order
	case "system":
		return marshalContent(m.System)
	}
	return nil
}

// media returns the media object matching the message type, or nil.
func (m InboundMessage) media() *Media {
	switch m.Type {
	case "image":
		return m.Image
	case "video":
		return m.Video
	case "audio":
		return m.Audio
	case "document":
		return m.Document
	case "sticker":
		return m.Sticker
	}
	return nil
}

// marshalContent encodes v, treating a nil pointer as no content.
func marshalContent[T any](v *T) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// mediaSummary prefers the caption, since that is what the customer wrote.
func mediaSummary(typ string, md *Media) string {
	if md.Caption != "" {
		return md.Caption
	}
	switch {
	case typ == "audio" && md.Voice:
		return "[voice message]"
	case typ == "document" && md.Filename != "":
		return "[document] " + md.Filename
	}
	return "[" + typ + "]"
}

// interactiveSummary returns the chosen reply's title, or "" if unknown.
func interactiveSummary(in *Interactive) string {
	switch {
	case in == nil:
		return ""
	case in.ButtonReply != nil:
		return firstNonEmpty(in.ButtonReply.Title, in.ButtonReply.ID)
	case in.ListReply != nil:
		return firstNonEmpty(in.ListReply.Title, in.ListReply.ID)
	case in.Type == "nfm_reply" || len(in.NFMReply) > 0:
		return "[form response]"
	}
	return ""
}

// contactsSummary names the first shared contact card.
func contactsSummary(raw json.RawMessage) string {
	var cards []struct {
		Name struct {
			FormattedName string `json:"formatted_name"`
		} `json:"name"`
	}
	if json.Unmarshal(raw, &cards) != nil || len(cards) == 0 || cards[0].Name.FormattedName == "" {
		return "[contacts]"
	}
	s := "👤 " + cards[0].Name.FormattedName
	if more := len(cards) - 1; more > 0 {
		s += " +" + strconv.Itoa(more)
	}
	return s
}

// orderSummary counts the items of a catalog order.
func orderSummary(raw json.RawMessage) string {
	var o struct {
		ProductItems []json.RawMessage `json:"product_items"`
		Text         string            `json:"text"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return "[order]"
	}
	n := len(o.ProductItems)
	s := "🛒 order, " + strconv.Itoa(n) + " item"
	if n != 1 {
		s += "s"
	}
	if t := strings.TrimSpace(o.Text); t != "" {
		s += ": " + t
	}
	return s
}

// firstNonEmpty returns the first argument that is not "".
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
