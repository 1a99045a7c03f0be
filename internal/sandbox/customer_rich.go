package sandbox

import (
	"fmt"
	"strings"
)

// Tap is a customer's tap on a button the business sent. An interactive
// reply button arrives as type "interactive" (button_reply with the
// button's ID and Title); a template's quick-reply button arrives as type
// "button" (its Payload, which is ID here, and its Text, which is Title).
type Tap struct {
	Template bool   // a template's quick-reply button, else an interactive reply button
	ID       string // the reply button's id, or the quick-reply payload
	Title    string // the text on the button
}

// Webhook shapes of the richer inbound messages (see webhook.go's
// whMessage, which carries them).
type whMedia struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"` // documents
	Voice    bool   `json:"voice,omitempty"`    // audio recorded as a voice note
}

type whButton struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

type whInteractive struct {
	Type        string         `json:"type"`
	ButtonReply *whButtonReply `json:"button_reply,omitempty"`
}

type whButtonReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// CustomerSendsImage simulates customer `from` sending a photo (the
// sandbox's generated PNG, stored like an upload and downloadable through
// the media endpoint, see media.go) with an optional caption. Like
// CustomerWrites, it opens the 24-hour window and returns the inbound wamid.
func (s *Sandbox) CustomerSendsImage(phoneNumberID, from, name, caption string) (string, error) {
	mediaID, err := s.UploadMedia("image/png", sandboxImage())
	if err != nil {
		return "", err
	}
	summary := strings.TrimSpace("📷 " + caption)
	return s.customerSends(phoneNumberID, from, name, summary, func(m *whMessage) {
		m.Type = "image"
		m.Image = &whMedia{ID: mediaID, MimeType: "image/png", SHA256: sandboxImageSHA256(), Caption: caption}
	})
}

// CustomerTaps simulates customer `from` tapping a button of a message
// the business sent (a reply button or a template's quick reply).
func (s *Sandbox) CustomerTaps(phoneNumberID, from, name string, tap Tap) (string, error) {
	tap.ID, tap.Title = strings.TrimSpace(tap.ID), strings.TrimSpace(tap.Title)
	if tap.Title == "" {
		tap.Title = tap.ID
	}
	if tap.ID == "" {
		tap.ID = tap.Title
	}
	if tap.ID == "" {
		return "", fmt.Errorf("%w: the button has no id or title", ErrInvalidInput)
	}
	return s.customerSends(phoneNumberID, from, name, tap.Title, func(m *whMessage) {
		if tap.Template {
			m.Type = "button"
			m.Button = &whButton{Payload: tap.ID, Text: tap.Title}
			return
		}
		m.Type = "interactive"
		m.Interactive = &whInteractive{Type: "button_reply", ButtonReply: &whButtonReply{ID: tap.ID, Title: tap.Title}}
	})
}

// customerSends is CustomerWrites for any message type: fill sets the
// message's type and content; summary is what Received() records as its text.
func (s *Sandbox) customerSends(phoneNumberID, from, name, summary string, fill func(*whMessage)) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snd, ok := s.senders[phoneNumberID]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownSender, phoneNumberID)
	}
	if snd.Status != "CONNECTED" && snd.Status != "FLAGGED" {
		return "", fmt.Errorf("%w: %s is %s", ErrSenderNotConnected, phoneNumberID, snd.Status)
	}
	waID, ok := normalizePhone(from, snd.CountryCode)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrInvalidPhone, from)
	}
	if name == "" {
		name = waID
	}
	now := s.now()
	wamid := newWAMID(waID, true)
	s.windows[pairKey{phoneNumberID, waID}] = now
	delete(s.notOnWA, waID) // someone who writes in is on WhatsApp
	s.inbound = record(s.inbound, InboundMessage{WAMID: wamid, PhoneNumberID: phoneNumberID,
		From: waID, Name: name, Text: summary, Time: now}, s.cfg.MaxRecords)
	msg := &whMessage{From: waID, ID: wamid, Timestamp: unix(now)}
	fill(msg)
	s.enqueueLocked(&event{field: "messages", meta: s.metadata(snd),
		contact: &whContact{Profile: whProfile{Name: name}, WaID: waID}, message: msg}, 0)
	return wamid, nil
}
