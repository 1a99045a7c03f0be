package sandbox

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by CustomerWrites and the switches' control routes, so
// callers can tell bad input (400) from unknown objects (404).
var (
	ErrUnknownSender      = errors.New("sandbox: unknown phone number id")
	ErrUnknownTemplate    = errors.New("sandbox: unknown template")
	ErrSenderNotConnected = errors.New("sandbox: phone number is not connected")
	ErrInvalidPhone       = errors.New("sandbox: invalid phone number")
	ErrInvalidInput       = errors.New("sandbox: invalid input")
)

// CustomerWrites simulates customer `from` (E.164 like "+5511988887777" or
// digits; without "+" the sender's country code rules apply) with profile
// name `name` sending `text` to sender phoneNumberID. It records the message,
// opens (or renews) the 24-hour customer service window for that pair,
// queues the signed "messages" webhook and returns the inbound wamid.
func (s *Sandbox) CustomerWrites(phoneNumberID, from, name, text string) (string, error) {
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
	if strings.TrimSpace(text) == "" {
		return "", fmt.Errorf("%w: text is empty", ErrInvalidInput)
	}
	if name == "" {
		name = waID
	}
	now := s.now()
	wamid := newWAMID(waID, true)
	s.windows[pairKey{phoneNumberID, waID}] = now
	delete(s.notOnWA, waID) // someone who writes in is on WhatsApp
	s.inbound = record(s.inbound, InboundMessage{WAMID: wamid, PhoneNumberID: phoneNumberID,
		From: waID, Name: name, Text: text, Time: now}, s.cfg.MaxRecords)
	s.enqueueLocked(&event{field: "messages", meta: s.metadata(snd),
		contact: &whContact{Profile: whProfile{Name: name}, WaID: waID},
		message: &whMessage{From: waID, ID: wamid, Timestamp: unix(now), Type: "text", Text: &whText{Body: text}},
	}, 0)
	return wamid, nil
}
