package ui

import "github.com/zapflow/zapflow/internal/sandbox"

// sandboxPaulista is the pin the sandbox page shares.
var sandboxPaulista = sandbox.Location{Latitude: -23.5614, Longitude: -46.6559, Name: "Avenida Paulista", Address: "Av. Paulista, São Paulo - SP"}

// sandboxSendRich plays the customer sending a voice note, the sample
// PDF (the text as its caption) or a pin (the text names the place).
func (u *UI) sandboxSendRich(c sandboxCustomer, do, text string) (string, error) {
	switch do {
	case "voice":
		return u.Sandbox.CustomerSendsVoiceNote(c.Sender, c.Phone, c.Name)
	case "document":
		return u.Sandbox.CustomerSendsDocument(c.Sender, c.Phone, c.Name, sandbox.Document{Filename: "zapflow-sandbox.pdf", Caption: text})
	default:
		pin := sandboxPaulista
		if text != "" {
			pin.Name = text
		}
		return u.Sandbox.CustomerSendsLocation(c.Sender, c.Phone, c.Name, pin)
	}
}
