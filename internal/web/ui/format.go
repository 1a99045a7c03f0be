package ui

import (
	"fmt"
	"time"
)

// ticks draws a delivery status the way WhatsApp users read it.
func ticks(status string) string {
	switch status {
	case "queued":
		return "🕓"
	case "sent":
		return "✓"
	case "delivered":
		return "✓✓"
	case "read", "played":
		return "✓✓ ✔"
	case "failed":
		return "⚠"
	}
	return ""
}

// windowLeft renders the time left in the customer service window.
func windowLeft(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	h := int(d.Hours())
	m := int(d.Minutes()) % 60
	return fmt.Sprintf("%dh%02dm", h, m)
}

// onOff renders a switch for data attributes.
func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
