package ui

import (
	"encoding/json"
	"strconv"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// messageBody is what a chat bubble shows, by message type.
type messageBody struct {
	Kind     string // text, image, sticker, audio, video, document, location, contacts, reply
	Text     string // the text, caption, button or list reply title
	Detail   string // a list reply's description, a location's address
	MediaURL string // our own URL of the media, never Meta's
	Filename string
	MapURL   string
	Contacts []contactCard
	// Of our own messages (media_content_out.go): the public link a
	// media message was sent by, and an interactive message's parts.
	Link        string
	Interactive *interactiveView
}

type contactCard struct {
	Name   string
	Phones []string
}

// bodyOf reads a stored message for its bubble; anything unknown shows
// its summary as text. Our own messages are read by outboundBody.
func bodyOf(m messaging.Message) messageBody {
	b := messageBody{Kind: "text", Text: m.Summary}
	if m.Direction != messaging.Inbound {
		return outboundBody(m, b)
	}
	switch m.Type {
	case "image", "sticker", "audio", "video", "document":
		var md whatsapp.Media
		if json.Unmarshal(m.Content, &md) != nil || md.ID == "" {
			return b
		}
		b.Kind, b.Text, b.Filename = m.Type, md.Caption, md.Filename
		b.MediaURL = chatURL(m.ConversationID) + "/media/" + strconv.FormatInt(m.ID, 10)
		if b.Kind == "document" && b.Filename == "" {
			b.Filename = m.Summary
		}
	case "location":
		if l, ok := locationBody(m.Content); ok {
			return l
		}
	case "contacts":
		if c, ok := contactsBody(m.Content); ok {
			return c
		}
	case "interactive":
		var it whatsapp.Interactive
		if json.Unmarshal(m.Content, &it) != nil {
			return b
		}
		r := it.ButtonReply
		if r == nil {
			r = it.ListReply
		}
		if r != nil {
			b.Kind, b.Text, b.Detail = "reply", firstNonEmpty(r.Title, r.ID), r.Description
		}
	case "button":
		var bt whatsapp.Button
		if json.Unmarshal(m.Content, &bt) == nil && firstNonEmpty(bt.Text, bt.Payload) != "" {
			b.Kind, b.Text = "reply", firstNonEmpty(bt.Text, bt.Payload)
		}
	}
	return b
}

// retryable says whether a message shows the Retry button.
func retryable(m messaging.Message) bool {
	if m.Status != messaging.StatusFailed {
		return false
	}
	_, ok := messaging.ResendRequest(m)
	return ok
}

// locationBody reads a location object (the customer's pin, or ours).
func locationBody(raw []byte) (messageBody, bool) {
	var l whatsapp.Location
	if json.Unmarshal(raw, &l) != nil {
		return messageBody{}, false
	}
	lat, lng := strconv.FormatFloat(l.Latitude, 'f', -1, 64), strconv.FormatFloat(l.Longitude, 'f', -1, 64)
	return messageBody{Kind: "location", Text: firstNonEmpty(l.Name, lat+", "+lng), Detail: l.Address,
		MapURL: "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lng + "#map=16/" + lat + "/" + lng}, true
}

// contactsBody reads a list of contact cards (shared by the customer, or by us).
func contactsBody(raw []byte) (messageBody, bool) {
	var cs []struct {
		Name struct {
			FormattedName string `json:"formatted_name"`
		} `json:"name"`
		Phones []struct {
			Phone string `json:"phone"`
		} `json:"phones"`
	}
	if json.Unmarshal(raw, &cs) != nil || len(cs) == 0 {
		return messageBody{}, false
	}
	b := messageBody{Kind: "contacts"}
	for _, c := range cs {
		card := contactCard{Name: c.Name.FormattedName}
		for _, p := range c.Phones {
			card.Phones = append(card.Phones, p.Phone)
		}
		b.Contacts = append(b.Contacts, card)
	}
	return b, true
}
