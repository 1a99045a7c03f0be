package sandbox

import (
	"fmt"
	"strings"
)

// Tap is a customer's tap on a button the business sent. An interactive
// reply button arrives as type "interactive" (button_reply with the
// button's ID and Title); a template's quick-reply button arrives as type
// "button" (its Payload, which is ID here, and its Text, which is Title).
// Either names the business message in its context.
type Tap struct {
	Template bool   // a template's quick-reply button, else an interactive reply button
	ID       string // the reply button's id, or the quick-reply payload; empty: found by Title
	Title    string // the text on the button; empty: found by ID
	// MessageID is the wamid of the business message tapped; empty: the
	// newest message to the customer offering that button.
	MessageID string
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
	ListReply   *whListReply   `json:"list_reply,omitempty"` // customer_list.go
}

type whButtonReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// whContext names the business message an answer replies to: its sender
// (the business number's digits) and its wamid.
type whContext struct {
	From string `json:"from"`
	ID   string `json:"id"`
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
// the business sent (a reply button or a template's quick reply). The
// button must be on a message the business sent this customer (the
// newest one offering it, or tap.MessageID), else ErrUnknownChoice: a
// WhatsApp client cannot tap a button it was never shown.
func (s *Sandbox) CustomerTaps(phoneNumberID, from, name string, tap Tap) (string, error) {
	tap.ID, tap.Title = strings.TrimSpace(tap.ID), strings.TrimSpace(tap.Title)
	if tap.ID == "" && tap.Title == "" {
		return "", fmt.Errorf("%w: the button has no id or title", ErrInvalidInput)
	}
	kind, what := ChoiceButton, "reply button"
	if tap.Template {
		kind, what = ChoiceQuickReply, "quick-reply button"
	}
	return s.customerAnswers(phoneNumberID, from, name, func(snd *senderState, waID string) (string, func(*whMessage), error) {
		msg, c, err := s.offeredLocked(phoneNumberID, waID, strings.TrimSpace(tap.MessageID), func(c Choice) bool {
			if c.Kind != kind {
				return false
			}
			if tap.ID != "" {
				return c.ID == tap.ID
			}
			return c.Title == tap.Title
		})
		if err != nil {
			return "", nil, err
		}
		if msg.WAMID == "" {
			key := tap.ID
			if key == "" {
				key = tap.Title
			}
			if tap.MessageID != "" {
				return "", nil, fmt.Errorf("%w: message %s has no %s %q", ErrUnknownChoice, tap.MessageID, what, key)
			}
			return "", nil, fmt.Errorf("%w: no message the business sent this customer has a %s %q", ErrUnknownChoice, what, key)
		}
		ctx := &whContext{From: digitsOf(snd.DisplayPhoneNumber), ID: msg.WAMID}
		return c.Title, func(m *whMessage) {
			m.Context = ctx
			if tap.Template {
				m.Type = "button"
				m.Button = &whButton{Payload: c.ID, Text: c.Title}
				return
			}
			m.Type = "interactive"
			m.Interactive = &whInteractive{Type: "button_reply", ButtonReply: &whButtonReply{ID: c.ID, Title: c.Title}}
		}, nil
	})
}

// offeredLocked finds the business message to customer waID that offers
// a choice match accepts: message messageID when given (an error when the
// business sent the customer no such message), else the newest one. It
// returns a zero message when none offers it.
func (s *Sandbox) offeredLocked(phoneNumberID, waID, messageID string, match func(Choice) bool) (SentMessage, Choice, error) {
	found := false
	for i := len(s.sent) - 1; i >= 0; i-- {
		m := s.sent[i]
		if m.PhoneNumberID != phoneNumberID || m.WaID != waID || (messageID != "" && m.WAMID != messageID) {
			continue
		}
		found = true
		for _, c := range s.choicesLocked(m) {
			if match(c) {
				return m, c, nil
			}
		}
	}
	if messageID != "" && !found {
		return SentMessage{}, Choice{}, fmt.Errorf("%w: the business sent this customer no message %s", ErrUnknownChoice, messageID)
	}
	return SentMessage{}, Choice{}, nil
}

// customerSends is CustomerWrites for any message type: fill sets the
// message's type and content; summary is what Received() records as its text.
func (s *Sandbox) customerSends(phoneNumberID, from, name, summary string, fill func(*whMessage)) (string, error) {
	return s.customerAnswers(phoneNumberID, from, name, func(*senderState, string) (string, func(*whMessage), error) {
		return summary, fill, nil
	})
}

// customerAnswers is customerSends for a message that depends on what the
// business sent: answer runs under the lock once sender and customer are
// known, and returns the summary and fill, or why the customer cannot
// send it.
func (s *Sandbox) customerAnswers(phoneNumberID, from, name string,
	answer func(snd *senderState, waID string) (string, func(*whMessage), error)) (string, error) {
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
	summary, fill, err := answer(snd, waID)
	if err != nil {
		return "", err
	}
	if name == "" {
		name = waID
	}
	now := s.now()
	wamid := newWAMID(waID, true)
	s.windows[pairKey{phoneNumberID, waID}] = now
	s.sweepLocked(now)
	delete(s.notOnWA, waID) // someone who writes in is on WhatsApp
	s.inbound = record(s.inbound, InboundMessage{WAMID: wamid, PhoneNumberID: phoneNumberID,
		From: waID, Name: name, Text: summary, Time: now}, s.cfg.MaxRecords)
	msg := &whMessage{From: waID, ID: wamid, Timestamp: unix(now)}
	fill(msg)
	s.enqueueLocked(&event{field: "messages", meta: s.metadata(snd),
		contact: &whContact{Profile: whProfile{Name: name}, WaID: waID}, message: msg}, 0)
	return wamid, nil
}
