package ai

import (
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/netguard"
)

// The named AI errors. Each carries the troubleshooting line a person
// needs to fix it (the seeds' "AI not responding: check the OpenAI key's
// validity and the model selection"; "model too slow: switch to a faster
// model"), so the API, the assistant's last error and the team
// notification all say what to do.
const (
	CodeDisabled     = "ai_disabled"
	CodeInvalidKey   = "ai_invalid_key"
	CodeUnknownModel = "ai_unknown_model"
	CodeRateLimited  = "ai_rate_limited"
	CodeTimeout      = "ai_timeout"
	CodeUnavailable  = "ai_unavailable"
	// CodeDestinationNotAllowed is the outbound guard refusing the base
	// URL's address (loopback, private, link-local…); the same code a flow
	// http_request step reports. It is a setting to fix, not retried.
	CodeDestinationNotAllowed = netguard.Code
)

// namedError describes one code: its HTTP class and what to do about it.
type namedError struct {
	kind  apperr.Kind
	title string
	fix   string
}

var namedErrors = map[string]namedError{
	CodeDisabled: {apperr.KindConflict, "AI is disabled",
		"enable AI and set an API key in the AI settings (PUT /api/v1/settings/ai)"},
	CodeInvalidKey: {apperr.KindUpstream, "the AI provider refused the API key (401)",
		"check that the OpenAI API key in the AI settings is valid, not revoked, and belongs to the base URL's provider"},
	CodeUnknownModel: {apperr.KindUpstream, "the AI provider does not know this model (404)",
		"pick a model your key can use in the AI settings or on the assistant (gpt-4o-mini is recommended)"},
	CodeRateLimited: {apperr.KindUnavailable, "the AI provider is rate limiting this key (429)",
		"wait a minute and try again; if it persists, check the key's quota and billing or raise its rate limits"},
	CodeTimeout: {apperr.KindUnavailable, "the model did not answer in time",
		"switch to a faster model (gpt-4o-mini or gpt-3.5-turbo) or raise timeout_seconds in the AI settings"},
	CodeUnavailable: {apperr.KindUnavailable, "the AI provider could not be reached or failed",
		"check the base URL in the AI settings and the provider's status page, then try again"},
	CodeDestinationNotAllowed: {apperr.KindConflict, "the AI base URL is not reachable from zapflow",
		"set a public base URL in the AI settings, or allow its address with ZAPFLOW_OUTBOUND_ALLOW"},
}

// Troubleshooting returns the line that tells a person how to fix code
// ("" for a code that is not one of ours).
func Troubleshooting(code string) string { return namedErrors[code].fix }

// newError builds the named error code; detail (the provider's own words,
// shortened) goes between the title and the fix.
func newError(code, detail string, cause error) *apperr.Error {
	ne := namedErrors[code]
	msg := ne.title
	if detail != "" {
		msg += ": " + detail
	}
	return &apperr.Error{Kind: ne.kind, Code: code, Message: msg + "; " + ne.fix, Err: cause}
}

// errDisabled is returned by every model call while AI is off.
func errDisabled(why string) *apperr.Error { return newError(CodeDisabled, why, nil) }

// retryable reports whether a failed call may succeed when tried again
// later without anyone changing a setting.
func retryable(code string) bool {
	return code == CodeRateLimited || code == CodeTimeout || code == CodeUnavailable
}
