package whatsapp

import (
	"encoding/json"
	"time"
)

// Status is a delivery update for a message we sent (value.statuses[]).
// Statuses can arrive more than once and out of order; consumers move a
// message's state forward only.
type Status struct {
	// ID is the wamid of OUR outbound message, as returned by SendMessage.
	ID string `json:"id"`
	// Status is sent, delivered, read, failed or played (voice played).
	Status      string    `json:"status"`
	RecipientID string    `json:"recipient_id"`
	Timestamp   time.Time `json:"timestamp"`
	// Errors says why a "failed" status failed (e.g. 131047, 131026).
	Errors []Error `json:"errors,omitempty"`
	// Conversation and Pricing are kept raw for billing views; Meta keeps
	// changing their shape (conversation is gone from v24.0).
	Conversation json.RawMessage `json:"conversation,omitempty"`
	Pricing      json.RawMessage `json:"pricing,omitempty"`
	// BizOpaqueCallbackData echoes the value we attached when sending.
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data,omitempty"`
}

// Error is an error object as Meta puts it in webhooks (failed statuses,
// unsupported messages, system errors). Build logic on Code and Details:
// Meta says titles will be deprecated.
type Error struct {
	Code    int    `json:"code"`
	Title   string `json:"title,omitempty"`
	Message string `json:"message,omitempty"`
	Details string `json:"details,omitempty"` // from error_data.details
	Href    string `json:"href,omitempty"`
}

// TemplateStatusUpdate is a "message_template_status_update" change: a
// template was approved, rejected, paused, disabled, and so on. Bulk sends
// and flows check template status before sending, so these must be acted on.
type TemplateStatusUpdate struct {
	// Event is the new status: APPROVED, REJECTED, PAUSED, DISABLED,
	// FLAGGED, REINSTATED, PENDING_DELETION, ...
	Event string `json:"event"`
	// TemplateID is message_template_id; Meta sends it as an integer, which
	// we keep as its exact decimal text (it can exceed float64 precision).
	TemplateID string `json:"template_id"`
	Name       string `json:"name,omitempty"`
	Language   string `json:"language,omitempty"`
	Reason     string `json:"reason,omitempty"` // e.g. NONE, INVALID_FORMAT
	Category   string `json:"category,omitempty"`
	// OtherInfo, DisableInfo and RejectionInfo are Meta's optional detail
	// objects (e.g. other_info.title FIRST_PAUSE), kept raw.
	OtherInfo     json.RawMessage `json:"other_info,omitempty"`
	DisableInfo   json.RawMessage `json:"disable_info,omitempty"`
	RejectionInfo json.RawMessage `json:"rejection_info,omitempty"`
	// At is entry[].time (zero if Meta omitted it).
	At time.Time `json:"at,omitzero"`
}

// AccountUpdate is an "account_update" change about the WhatsApp Business
// Account or one of its numbers: verification, bans, violations,
// restrictions. Its shape varies by Event, so besides the common detail
// objects the whole value is kept in Raw.
type AccountUpdate struct {
	// Event is e.g. VERIFIED_ACCOUNT, DISABLED_UPDATE, ACCOUNT_VIOLATION,
	// ACCOUNT_RESTRICTION, PARTNER_ADDED.
	Event           string          `json:"event"`
	PhoneNumber     string          `json:"phone_number,omitempty"`
	BanInfo         json.RawMessage `json:"ban_info,omitempty"`
	ViolationInfo   json.RawMessage `json:"violation_info,omitempty"`
	RestrictionInfo json.RawMessage `json:"restriction_info,omitempty"`
	// Raw is the whole change value, for fields not modelled above.
	Raw json.RawMessage `json:"raw,omitempty"`
	// At is entry[].time (zero if Meta omitted it).
	At time.Time `json:"at,omitzero"`
}

// QualityUpdate is a "phone_number_quality_update" change: a number was
// flagged or unflagged, or its messaging limit or throughput changed. Bulk
// sending pauses on a drop, so intake must not lose these.
type QualityUpdate struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	// Event is e.g. FLAGGED, UNFLAGGED, DOWNGRADE, UPGRADE, ONBOARDING,
	// THROUGHPUT_UPGRADE.
	Event string `json:"event"`
	// CurrentLimit and OldLimit are the messaging-limit tiers (TIER_250,
	// TIER_2K, ..., TIER_UNLIMITED); Meta is replacing them with
	// MaxDailyConversationsPerBusiness.
	CurrentLimit                     string `json:"current_limit,omitempty"`
	OldLimit                         string `json:"old_limit,omitempty"`
	MaxDailyConversationsPerBusiness string `json:"max_daily_conversations_per_business,omitempty"`
	// QualityRating is the new quality rating (GREEN, YELLOW, RED, ...)
	// when the payload carries a quality_rating; Meta's reference does not
	// document one, so it is usually empty and GetPhoneNumber is the
	// authoritative source.
	QualityRating string `json:"quality_rating,omitempty"`
	// At is entry[].time (zero if Meta omitted it).
	At time.Time `json:"at,omitzero"`
}

// UserPreference is one value.user_preferences[] item of a
// "user_preferences" change: a customer stopped or resumed marketing
// messages from the business in WhatsApp (Meta then refuses marketing
// templates to them with error 131050 until they resume).
type UserPreference struct {
	WAID string `json:"wa_id"`
	// UserID is the customer's business-scoped user id, which comes
	// instead of WAID for a customer with a WhatsApp username who has not
	// shared their number.
	UserID string `json:"user_id,omitempty"`
	// Category is what the preference is about; "marketing_messages" is
	// the one Meta documents.
	Category string `json:"category"`
	// Value is "stop" or "resume".
	Value string `json:"value"`
	// Detail is Meta's sentence, e.g. "User requested to stop marketing
	// messages".
	Detail      string    `json:"detail,omitempty"`
	ProfileName string    `json:"profile_name,omitempty"` // from value.contacts, by wa_id
	Timestamp   time.Time `json:"timestamp,omitzero"`     // when Meta sent it
}

// The documented user preference.
const (
	PreferenceMarketing = "marketing_messages"
	PreferenceStop      = "stop"
	PreferenceResume    = "resume"
)

// TemplateCategoryUpdate is a "template_category_update" change: Meta
// moved one of the business's templates to another category (Previous
// set), or will in 24 hours (Correct set; New is then still the current
// one). The category decides whether a template is marketing, which
// opted-out contacts do not get.
type TemplateCategoryUpdate struct {
	TemplateID string `json:"template_id"` // message_template_id, as exact decimal text
	Name       string `json:"name,omitempty"`
	Language   string `json:"language,omitempty"`
	New        string `json:"new_category"`
	Previous   string `json:"previous_category,omitempty"`
	Correct    string `json:"correct_category,omitempty"`
	// UpdateAt is when an announced change takes effect
	// (category_update_timestamp).
	UpdateAt time.Time `json:"update_at,omitzero"`
	// At is entry[].time (zero if Meta omitted it).
	At time.Time `json:"at,omitzero"`
}
