package whatsapp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// phoneNumberFields is the field list GetPhoneNumber asks for: everything
// the sender status page and the send pipeline's "sender online" check use.
const phoneNumberFields = "id,display_phone_number,verified_name,quality_rating,status," +
	"code_verification_status,throughput,whatsapp_business_manager_messaging_limit"

// PhoneNumber is what the Graph API says about one business phone number:
// its connection status (must be CONNECTED to send), quality rating and
// limits. Values are Meta's literal enums, kept as strings because Meta
// adds new ones (quality NA vs UNKNOWN, new tiers).
type PhoneNumber struct {
	ID                     string `json:"id"`
	DisplayPhoneNumber     string `json:"display_phone_number,omitempty"`
	VerifiedName           string `json:"verified_name,omitempty"`
	QualityRating          string `json:"quality_rating,omitempty"`           // GREEN, YELLOW, RED, NA, UNKNOWN
	Status                 string `json:"status,omitempty"`                   // CONNECTED, DISCONNECTED, FLAGGED, ...
	CodeVerificationStatus string `json:"code_verification_status,omitempty"` // VERIFIED, UNVERIFIED, ...
	ThroughputLevel        string `json:"throughput_level,omitempty"`         // throughput.level: STANDARD, HIGH
	MessagingLimitTier     string `json:"messaging_limit_tier,omitempty"`     // whatsapp_business_manager_messaging_limit, e.g. TIER_250
}

// GetPhoneNumber calls GET /{version}/{phone-number-id} with the fields
// above and the Bearer token. Failures from Meta are *APIError.
func (c *Client) GetPhoneNumber(ctx context.Context, token, phoneNumberID string) (PhoneNumber, error) {
	u, err := c.endpoint(url.Values{"fields": {phoneNumberFields}}, phoneNumberID)
	if err != nil {
		return PhoneNumber{}, err
	}
	var w struct {
		ID                     json.RawMessage `json:"id"`
		DisplayPhoneNumber     string          `json:"display_phone_number"`
		VerifiedName           string          `json:"verified_name"`
		QualityRating          string          `json:"quality_rating"`
		Status                 string          `json:"status"`
		CodeVerificationStatus string          `json:"code_verification_status"`
		Throughput             struct {
			Level string `json:"level"`
		} `json:"throughput"`
		MessagingLimit json.RawMessage `json:"whatsapp_business_manager_messaging_limit"`
	}
	if err := c.do(ctx, http.MethodGet, u, token, nil, &w); err != nil {
		return PhoneNumber{}, err
	}
	id, _ := looseString(w.ID)
	limit, _ := looseString(w.MessagingLimit)
	return PhoneNumber{
		ID: id, DisplayPhoneNumber: w.DisplayPhoneNumber, VerifiedName: w.VerifiedName,
		QualityRating: w.QualityRating, Status: w.Status, CodeVerificationStatus: w.CodeVerificationStatus,
		ThroughputLevel: w.Throughput.Level, MessagingLimitTier: limit,
	}, nil
}
