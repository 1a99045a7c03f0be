// Package accounttest has a fake of the Cloud API calls package account
// makes, for the tests of the packages built on it that need an account
// with a sender. Like testclock, it is a regular package only so that
// tests in several packages can share it; production code does not use it.
package accounttest

import (
	"context"

	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Connected is an account.Graph that knows every phone number id as a
// connected number of GREEN quality (+55 11 4000-0001, "Acme") and lists
// no templates.
type Connected struct{}

// GetPhoneNumber answers for any id.
func (Connected) GetPhoneNumber(_ context.Context, _, id string) (whatsapp.PhoneNumber, error) {
	return whatsapp.PhoneNumber{ID: id, DisplayPhoneNumber: "+55 11 4000-0001", VerifiedName: "Acme", Status: "CONNECTED", QualityRating: "GREEN"}, nil
}

// ListTemplates lists none.
func (Connected) ListTemplates(context.Context, string, string) ([]whatsapp.Template, error) {
	return []whatsapp.Template{}, nil
}
