package sandbox

import (
	"encoding/json"
	"time"
)

// ReadReceipt is one accepted mark-as-read request ({"status":"read",
// "message_id":…}, with or without a typing indicator). Tests read them
// with Reads() to see what zapflow sent.
type ReadReceipt struct {
	PhoneNumberID string          `json:"phone_number_id"`
	MessageID     string          `json:"message_id"`
	Payload       json.RawMessage `json:"payload"` // the request body as received
	Time          time.Time       `json:"time"`
}

func (s *Sandbox) recordReadLocked(phoneID, messageID string, raw []byte) {
	s.reads = record(s.reads, ReadReceipt{PhoneNumberID: phoneID, MessageID: messageID,
		Payload: json.RawMessage(append([]byte(nil), raw...)), Time: s.now()}, s.cfg.MaxRecords)
}

// Reads returns every accepted mark-as-read request, in order.
func (s *Sandbox) Reads() []ReadReceipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(make([]ReadReceipt, 0, len(s.reads)), s.reads...)
}
