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
	// ErrUnknownChoice: the customer answered with a button or list row
	// the business never offered them, which WhatsApp cannot send.
	ErrUnknownChoice = errors.New("sandbox: not offered to the customer")
)

// CustomerWrites simulates customer `from` (E.164 like "+5511988887777" or
// digits; without "+" the sender's country code rules apply) with profile
// name `name` sending `text` to sender phoneNumberID. It records the message,
// opens (or renews) the 24-hour customer service window for that pair,
// queues the signed "messages" webhook and returns the inbound wamid.
func (s *Sandbox) CustomerWrites(phoneNumberID, from, name, text string) (string, error) {
	if strings.TrimSpace(text) == "" {
		return "", fmt.Errorf("%w: text is empty", ErrInvalidInput)
	}
	return s.customerSends(phoneNumberID, from, name, text, func(m *whMessage) {
		m.Type, m.Text = "text", &whText{Body: text}
	})
}
