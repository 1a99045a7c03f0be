package sandbox

import (
	"fmt"
	"net/http"
)

// whPreferencesValue is the value of a "user_preferences" change.
type whPreferencesValue struct {
	MessagingProduct string         `json:"messaging_product"`
	Metadata         whMetadata     `json:"metadata"`
	Contacts         []whContact    `json:"contacts"`
	UserPreferences  []whPreference `json:"user_preferences"`
}

type whPreference struct {
	WaID      string `json:"wa_id"`
	Detail    string `json:"detail"`
	Category  string `json:"category"`
	Value     string `json:"value"`
	Timestamp int64  `json:"timestamp"`
}

// CustomerSetsMarketing simulates customer `from` stopping (stop true) or
// resuming marketing messages from the business in WhatsApp, through
// sender phoneNumberID's chat: it queues the signed "user_preferences"
// webhook, and while stopped, a MARKETING template sent to them is
// accepted and then fails with 131050, as Meta does.
func (s *Sandbox) CustomerSetsMarketing(phoneNumberID, from, name string, stop bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snd, ok := s.senders[phoneNumberID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSender, phoneNumberID)
	}
	waID, ok := normalizePhone(from, snd.CountryCode)
	if !ok {
		return fmt.Errorf("%w: %q", ErrInvalidPhone, from)
	}
	if name == "" {
		name = waID
	}
	value := "resume"
	if stop {
		value = "stop"
	}
	if stop {
		s.stopped[waID] = true
	} else {
		delete(s.stopped, waID) // a sandbox left running keeps only who stopped
	}
	now := s.now().Unix()
	v := &whPreferencesValue{MessagingProduct: "whatsapp", Metadata: s.metadata(snd),
		Contacts: []whContact{{Profile: whProfile{Name: name}, WaID: waID}},
		UserPreferences: []whPreference{{WaID: waID, Detail: "User requested to " + value + " marketing messages",
			Category: "marketing_messages", Value: value, Timestamp: now}}}
	s.enqueueLocked(&event{field: "user_preferences", time: now, value: v}, 0)
	return nil
}

// handleCustomerPreference is POST /sandbox/api/customers/preferences
// {"from", "name", "to": phone_number_id, "marketing": "stop"|"resume"}.
func (s *Sandbox) handleCustomerPreference(w http.ResponseWriter, r *http.Request) {
	var in struct {
		From      string `json:"from"`
		Name      string `json:"name"`
		To        string `json:"to"`
		Marketing string `json:"marketing"`
	}
	if !decodeControl(w, r, &in) {
		return
	}
	if in.Marketing != "stop" && in.Marketing != "resume" {
		controlResult(w, fmt.Errorf("%w: marketing must be \"stop\" or \"resume\"", ErrInvalidInput))
		return
	}
	controlResult(w, s.CustomerSetsMarketing(in.To, in.From, in.Name, in.Marketing == "stop"))
}
