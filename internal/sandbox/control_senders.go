package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrSenderExists is returned when a number is added twice.
var ErrSenderExists = errors.New("sandbox: phone number id already exists")

// ErrRealSender is returned when a number to add is a real sender's id.
var ErrRealSender = errors.New("sandbox: phone number id belongs to a real sender")

// AddSender adds a business number at runtime, with the same defaults as a
// configured one (CONNECTED, GREEN, 80 msg/s, TIER_2K). It exists because a
// fresh sandbox has two numbers, and Meta's per-number throughput cap
// (1,000 msg/s at most) × 2 would cap any load test of the outbound path
// long before the app does; a real business adds numbers the same way.
//
// The number is listed by GET /{waba-id}/phone_numbers and readable with
// GET /{phone-number-id} at once, so the app can register it as a sender.
// It is not added to Config().Senders, which stays the start-up config.
func (s *Sandbox) AddSender(snd Sender) (Sender, error) {
	snd.PhoneNumberID = strings.TrimSpace(snd.PhoneNumberID)
	snd.DisplayPhoneNumber = strings.TrimSpace(snd.DisplayPhoneNumber)
	switch {
	case snd.PhoneNumberID == "" || digitsOf(snd.PhoneNumberID) != snd.PhoneNumberID:
		return Sender{}, fmt.Errorf("%w: phone_number_id must be digits, got %q", ErrInvalidInput, snd.PhoneNumberID)
	case snd.PhoneNumberID == s.cfg.WABAID:
		return Sender{}, fmt.Errorf("%w: phone_number_id %q is the WABA id", ErrInvalidInput, snd.PhoneNumberID)
	case len(digitsOf(snd.DisplayPhoneNumber)) < 8:
		return Sender{}, fmt.Errorf("%w: display_phone_number must hold a phone number, got %q", ErrInvalidInput, snd.DisplayPhoneNumber)
	case snd.Status != "" && !containsFold(senderStatuses(), snd.Status):
		return Sender{}, fmt.Errorf("%w: status %q", ErrInvalidInput, snd.Status)
	case snd.QualityRating != "" && !containsFold(qualityRatings(), snd.QualityRating):
		return Sender{}, fmt.Errorf("%w: quality_rating %q", ErrInvalidInput, snd.QualityRating)
	case snd.ThroughputMPS < 0:
		return Sender{}, fmt.Errorf("%w: throughput_mps must be >= 0", ErrInvalidInput)
	}
	snd.Status, snd.QualityRating = strings.ToUpper(snd.Status), strings.ToUpper(snd.QualityRating)
	if snd.VerifiedName == "" {
		snd.VerifiedName = "Zapflow Sandbox " + snd.PhoneNumberID
	}
	snd = senderDefaults(snd)
	if s.cfg.SenderTaken != nil {
		taken, err := s.cfg.SenderTaken(snd.PhoneNumberID)
		if err != nil {
			return Sender{}, err
		}
		if taken {
			return Sender{}, fmt.Errorf("%w: %q is a real account's number; choose another id", ErrRealSender, snd.PhoneNumberID)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.senders[snd.PhoneNumberID]; ok {
		return Sender{}, fmt.Errorf("%w: %q", ErrSenderExists, snd.PhoneNumberID)
	}
	s.senders[snd.PhoneNumberID] = &senderState{Sender: snd, pairs: make(map[string]*tokenBucket)}
	s.order = append(s.order, snd.PhoneNumberID)
	return snd, nil
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, strings.TrimSpace(v)) {
			return true
		}
	}
	return false
}

// handleAddSender serves POST /sandbox/api/senders: 201 with the number as
// GET /{phone-number-id} reports it, 409 if the id exists here or is a real
// sender's, 400 otherwise.
func (s *Sandbox) handleAddSender(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PhoneNumberID      string `json:"phone_number_id"`
		DisplayPhoneNumber string `json:"display_phone_number"`
		VerifiedName       string `json:"verified_name"`
		Status             string `json:"status"`
		QualityRating      string `json:"quality_rating"`
		ThroughputMPS      int    `json:"throughput_mps"`
	}
	if !decodeControl(w, r, &in) {
		return
	}
	snd, err := s.AddSender(Sender{
		PhoneNumberID: in.PhoneNumberID, DisplayPhoneNumber: in.DisplayPhoneNumber, VerifiedName: in.VerifiedName,
		Status: in.Status, QualityRating: in.QualityRating, ThroughputMPS: in.ThroughputMPS,
	})
	switch {
	case errors.Is(err, ErrSenderExists), errors.Is(err, ErrRealSender):
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case err != nil:
		controlResult(w, err)
	default:
		writeJSON(w, http.StatusCreated, phoneJSON(snd))
	}
}

// handleSentCount serves GET /sandbox/api/sent/count: {"count": n}, how many
// messages the send endpoint accepted so far. Load tests poll it while they
// wait, because GET /sandbox/api/sent re-serialises every message with its
// payload (17 MB for 20,000 sends) and would steal the CPU being measured.
func (s *Sandbox) handleSentCount(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	n, throttled := len(s.sent), s.throttled
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int{"count": n, "throttled": throttled})
}
