package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// TypingIndicator is one "typing…" shown to a customer: a mark-as-read
// request carrying typing_indicator (the assistant sends it before it
// waits its reply delay). Tests read them with Typing().
type TypingIndicator struct {
	PhoneNumberID string    `json:"phone_number_id"`
	MessageID     string    `json:"message_id"`
	WaID          string    `json:"wa_id"` // the customer whose message it answers, when the sandbox knows it
	Time          time.Time `json:"time"`
}

type typingIndicator struct {
	Type string `json:"type"`
}

// typingLocked validates and records a typing indicator of a mark-as-read
// request (nothing to do for a plain read receipt).
func (s *Sandbox) typingLocked(snd *senderState, req *sendRequest) *apiError {
	if req.TypingIndicator == nil {
		return nil
	}
	if !strings.EqualFold(req.TypingIndicator.Type, "text") {
		return paramErr(fmt.Sprintf("Param typing_indicator['type'] must be one of {TEXT} - got %q.", req.TypingIndicator.Type))
	}
	var waID string
	for _, in := range s.inbound {
		if in.WAMID == req.MessageID && in.PhoneNumberID == snd.PhoneNumberID {
			waID = in.From
		}
	}
	s.typing = record(s.typing, TypingIndicator{PhoneNumberID: snd.PhoneNumberID, MessageID: req.MessageID, WaID: waID, Time: s.now()}, s.cfg.MaxRecords)
	return nil
}

// Typing returns every typing indicator shown, in order.
func (s *Sandbox) Typing() []TypingIndicator {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(make([]TypingIndicator, 0, len(s.typing)), s.typing...)
}

func (s *Sandbox) typingRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sandbox/api/typing", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Typing()) })
}
