package sandbox

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Known status enums, so a typo in a test or the control API is rejected
// instead of silently producing a state Meta never reports.
func senderStatuses() []string {
	return []string{"CONNECTED", "DISCONNECTED", "UNVERIFIED", "PENDING", "FLAGGED", "RESTRICTED",
		"DELETED", "MIGRATED", "BANNED", "RATE_LIMITED", "UNKNOWN"}
}

func qualityRatings() []string { return []string{"GREEN", "YELLOW", "RED", "NA", "UNKNOWN"} }

func templateStatuses() []string {
	return []string{"APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL",
		"PENDING_DELETION", "DELETED", "ARCHIVED", "LIMIT_EXCEEDED"}
}

// FailNext makes the next n well-formed sends from that sender fail with the
// given Cloud API error code, with Meta's HTTP status and title for it.
// n <= 0 clears a pending injection. Unknown senders are ignored.
func (s *Sandbox) FailNext(phoneNumberID string, n int, code int) {
	if err := s.failNext(phoneNumberID, n, code); err != nil {
		s.log.Warn("sandbox: FailNext", "error", err)
	}
}

func (s *Sandbox) failNext(phoneNumberID string, n int, code int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snd, ok := s.senders[phoneNumberID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSender, phoneNumberID)
	}
	snd.failCount, snd.failCode = max(n, 0), code
	return nil
}

// SetSenderStatus changes a number's status (e.g. DISCONNECTED): GET
// reflects it, sends fail unless CONNECTED/FLAGGED (133010, or 131031 when
// RESTRICTED/BANNED), and an account_update webhook is queued.
func (s *Sandbox) SetSenderStatus(phoneNumberID, status string) {
	if err := s.setSenderStatus(phoneNumberID, status); err != nil {
		s.log.Warn("sandbox: SetSenderStatus", "error", err)
	}
}

func (s *Sandbox) setSenderStatus(phoneNumberID, status string) error {
	status = strings.ToUpper(strings.TrimSpace(status))
	if !slices.Contains(senderStatuses(), status) {
		return fmt.Errorf("%w: status %q", ErrInvalidInput, status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snd, ok := s.senders[phoneNumberID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSender, phoneNumberID)
	}
	snd.Status = status
	s.enqueueLocked(&event{field: "account_update", time: s.now().Unix(),
		value: whAccountUpdate{PhoneNumber: digitsOf(snd.DisplayPhoneNumber), Event: accountEvent(status)}}, 0)
	return nil
}

// accountEvent maps a phone status to the closest account_update event Meta
// documents (Meta has no event carrying the phone status itself).
func accountEvent(status string) string {
	switch status {
	case "CONNECTED":
		return "ACCOUNT_RECONNECTED"
	case "RESTRICTED", "RATE_LIMITED":
		return "ACCOUNT_RESTRICTION"
	case "BANNED":
		return "DISABLED_UPDATE"
	case "DELETED":
		return "ACCOUNT_DELETED"
	}
	return "ACCOUNT_OFFBOARDED"
}

// SetQuality changes a number's quality rating: GET reflects it and a
// phone_number_quality_update webhook is queued (FLAGGED for YELLOW/RED,
// UNFLAGGED otherwise; like Meta's, it does not carry the rating itself).
func (s *Sandbox) SetQuality(phoneNumberID, rating string) {
	if err := s.setQuality(phoneNumberID, rating); err != nil {
		s.log.Warn("sandbox: SetQuality", "error", err)
	}
}

func (s *Sandbox) setQuality(phoneNumberID, rating string) error {
	rating = strings.ToUpper(strings.TrimSpace(rating))
	if !slices.Contains(qualityRatings(), rating) {
		return fmt.Errorf("%w: quality rating %q", ErrInvalidInput, rating)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snd, ok := s.senders[phoneNumberID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSender, phoneNumberID)
	}
	snd.QualityRating = rating
	ev := "UNFLAGGED"
	if rating == "RED" || rating == "YELLOW" {
		ev = "FLAGGED"
	}
	s.enqueueLocked(&event{field: "phone_number_quality_update", time: s.now().Unix(),
		value: whQualityUpdate{DisplayPhoneNumber: digitsOf(snd.DisplayPhoneNumber), Event: ev, CurrentLimit: snd.MessagingLimitTier}}, 0)
	return nil
}

// SetTemplateStatus changes a template's status (language "" means every
// language of that name) and queues a message_template_status_update
// webhook whose event is the new status.
func (s *Sandbox) SetTemplateStatus(name, language, status string) {
	if err := s.setTemplateStatus(name, language, status); err != nil {
		s.log.Warn("sandbox: SetTemplateStatus", "error", err)
	}
}

func (s *Sandbox) setTemplateStatus(name, language, status string) error {
	status = strings.ToUpper(strings.TrimSpace(status))
	if !slices.Contains(templateStatuses(), status) {
		return fmt.Errorf("%w: template status %q", ErrInvalidInput, status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	now := s.now().Unix()
	for i := range s.templates {
		t := &s.templates[i]
		if t.Name != name || (language != "" && t.Language != language) {
			continue
		}
		found = true
		t.Status = status
		id, _ := strconv.ParseInt(t.ID, 10, 64)
		v := whTemplateStatus{Event: status, MessageTemplateID: id, MessageTemplateName: t.Name,
			MessageTemplateLanguage: t.Language, MessageTemplateCategory: t.Category, Reason: "NONE"}
		switch status {
		case "REJECTED":
			v.Reason = "INVALID_FORMAT"
		case "PAUSED":
			v.OtherInfo = &whOtherInfo{Title: "FIRST_PAUSE",
				Description: "Your WhatsApp message template has been paused for 3 hours due to low quality."}
		case "DISABLED":
			v.DisableInfo = &whDisableInfo{DisableDate: now}
		}
		s.enqueueLocked(&event{field: "message_template_status_update", time: now, value: v}, 0)
	}
	if !found {
		return fmt.Errorf("%w: %s (%s)", ErrUnknownTemplate, name, language)
	}
	return nil
}

// SetNotOnWhatsApp marks a phone number as not being a WhatsApp user: sends
// to it get 131026 (synchronously, or as a failed status webhook with
// Config.AsyncUndeliverable). Without "+", the first sender's country code
// rules apply. A later CustomerWrites from it clears the mark.
func (s *Sandbox) SetNotOnWhatsApp(phone string) {
	if err := s.setNotOnWhatsApp(phone); err != nil {
		s.log.Warn("sandbox: SetNotOnWhatsApp", "error", err)
	}
}

func (s *Sandbox) setNotOnWhatsApp(phone string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cc := "55"
	if len(s.order) > 0 {
		cc = s.senders[s.order[0]].CountryCode
	}
	waID, ok := normalizePhone(phone, cc)
	if !ok {
		return fmt.Errorf("%w: %q", ErrInvalidPhone, phone)
	}
	s.notOnWA[waID] = true
	return nil
}

// SetThroughput sets a sender's messages-per-second limit (130429 beyond
// it); mps <= 0 restores Meta's default of 80. GET shows HIGH from 1000 up.
func (s *Sandbox) SetThroughput(phoneNumberID string, mps int) {
	if err := s.setThroughput(phoneNumberID, mps); err != nil {
		s.log.Warn("sandbox: SetThroughput", "error", err)
	}
}

func (s *Sandbox) setThroughput(phoneNumberID string, mps int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snd, ok := s.senders[phoneNumberID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownSender, phoneNumberID)
	}
	if mps <= 0 {
		mps = defaultThroughputMPS
	}
	snd.ThroughputMPS = mps
	return nil
}

// DuplicateNextWebhooks makes the next n webhook POSTs be delivered twice,
// as Meta sometimes does, so intake deduplication can be tested.
func (s *Sandbox) DuplicateNextWebhooks(n int) {
	s.mu.Lock()
	s.dupNext = max(n, 0)
	s.mu.Unlock()
}
