package messaging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Errors as data (F14, F15). A failed send, whether Graph refused it at once
// or a failed status webhook reported it later, becomes a *SendError: our
// stable code, the F14 message telling the user what to do, Meta's code and
// words kept verbatim, and how to retry. sendErrorTable below is the single
// place the Cloud API error codes are mapped; see
// shared/reference/whatsapp-cloud-api.md §3 for the codes' meanings.

// RetryClass says whether and how a failed send may be retried.
type RetryClass int

// Retry classes.
const (
	Permanent RetryClass = iota // never retry
	Retryable                   // retry with the step/message policy
	Throttled                   // retry, and the whole sender backs off (SenderWide) or only this recipient (131056 pair limit)
)

// String names the class for logs and run history.
func (c RetryClass) String() string {
	switch c {
	case Permanent:
		return "permanent"
	case Retryable:
		return "retryable"
	case Throttled:
		return "throttled"
	}
	return fmt.Sprintf("RetryClass(%d)", int(c))
}

// Our stable send error codes.
const (
	ErrCodeTemplateNotFound = "template_not_found"
	ErrCodeSenderOffline    = "sender_offline"
	ErrCodeInvalidPhone     = "invalid_phone"
	ErrCodeOutsideWindow    = "outside_window"
	ErrCodeRateLimited      = "rate_limited"
	ErrCodeTransient        = "transient"
	ErrCodeInvalidRequest   = "invalid_request"
	ErrCodeMessageTooLong   = "message_too_long"
	ErrCodeMarketingLimited = "marketing_limited"
	ErrCodeOptedOut         = "opted_out"
	ErrCodeCloudAPI         = "cloud_api_error" // a Meta code we do not know
)

// SendError is a classified send failure, stored on the message and shown to
// users.
type SendError struct {
	Code              string        `json:"code"`                          // our stable code (ErrCode*)
	Message           string        `json:"message"`                       // what happened and what to do, in the F14 words
	MetaCode          int           `json:"meta_code,omitempty"`           // Meta's error code (0 when not from Meta)
	MetaTitle         string        `json:"meta_title,omitempty"`          // Meta's title/message, kept verbatim
	MetaDetails       string        `json:"meta_details,omitempty"`        // error_data.details
	Class             RetryClass    `json:"class"`                         // whether and how to retry
	RetryAfter        time.Duration `json:"retry_after,omitempty"`         // Meta's hint or our default for this code; 0 = policy default
	SenderWide        bool          `json:"sender_wide,omitempty"`         // the sender as a whole must back off
	MarkSenderOffline bool          `json:"mark_sender_offline,omitempty"` // the sender cannot send at all until fixed
	// MarkTokenRefused: Meta refused the account's access token (190):
	// the account's credentials are marked (account.MarkCredentialsInvalid),
	// not the sender, which is still CONNECTED at Meta.
	MarkTokenRefused  bool `json:"mark_token_refused,omitempty"`
	MarkNotOnWhatsApp bool `json:"mark_not_on_whatsapp,omitempty"` // mark the contact: not a WhatsApp number (131026)

	cause error // the error ClassifyError was given, for errors.Is/As and logs
}

// Error renders "code: message (Meta #131047 Re-engagement message)".
func (e *SendError) Error() string {
	s := e.Code + ": " + e.Message
	if e.MetaCode != 0 {
		s += fmt.Sprintf(" (Meta #%d", e.MetaCode)
		if e.MetaTitle != "" {
			s += " " + e.MetaTitle
		}
		s += ")"
	}
	return s
}

// Unwrap returns the error that was classified, if ClassifyError had one.
func (e *SendError) Unwrap() error { return e.cause }

// Retry reports whether the send may be tried again.
func (e *SendError) Retry() bool { return e.Class != Permanent }

// AppErr returns the apperr form for the API, with the same Code and Message:
// user-fixable permanent errors are KindInvalid, a sender that cannot send
// and retryable errors are KindUnavailable, and Meta errors we do not know
// are KindUpstream. The SendError is the cause (errors.As finds it).
func (e *SendError) AppErr() *apperr.Error {
	kind := apperr.KindInvalid
	switch {
	case e.Code == ErrCodeCloudAPI:
		kind = apperr.KindUpstream
	case e.Code == ErrCodeSenderOffline, e.Class != Permanent:
		kind = apperr.KindUnavailable
	}
	return &apperr.Error{Kind: kind, Code: e.Code, Message: e.Message, Err: e}
}

// sendRule is one row of the mapping.
type sendRule struct {
	code       string
	message    string // F14 words; Meta's details are appended when metaWords
	metaWords  bool
	class      RetryClass
	retryAfter time.Duration
	senderWide bool
	offline    bool // MarkSenderOffline
	token      bool // MarkTokenRefused
	notOnWA    bool // MarkNotOnWhatsApp
}

// The F14 messages, shared by several rows.
const (
	msgTemplateNotFound = "template not found: check the template is approved and the id is right"
	msgSenderOffline    = "check the sender's status and connection"
	msgInvalidPhone     = "invalid phone number: use +<country code><number>"
	msgOutsideWindow    = "outside the 24-hour window: use a template message"
	msgRateLimited      = "rate limited: too many messages; space sends out; the platform retries"
	msgTransient        = "the platform retries"
	msgInvalidRequest   = "invalid request: WhatsApp rejected the message"
	msgTooLong          = "message too long: a text message can be at most 4096 characters; shorten it"
)

// sendErrorTable maps Meta's error codes to ours. Codes not here fall to
// sendErrorRanges, then to cloud_api_error (Permanent, Meta's code and title
// kept). Code 100 is refined by what it names (classify100). Meanings are the
// reference's §3 titles.
var sendErrorTable = map[int]sendRule{
	// --- authorization: the sender cannot send until reconnected ---
	// 0 AuthException (HTTP 401): the token was rejected. Reached only through
	// HTTP 401 with code 0, see ClassifyAPIError.
	0: {code: ErrCodeSenderOffline, message: "sender offline: WhatsApp rejected the account's access token; " + msgSenderOffline + ", and enter a new access token in the account's settings", token: true},
	// 190 Access token has expired (subcodes 463 expired, 467 invalid, 460 password changed).
	190: {code: ErrCodeSenderOffline, message: "sender offline: the account's access token has expired or was revoked; " + msgSenderOffline + ", and enter a new access token in the account's settings", token: true},
	// 104 An access token is required.
	104: {code: ErrCodeSenderOffline, message: "sender offline: no access token was sent; " + msgSenderOffline + " and reconnect it", offline: true},
	// 10 Permission denied: permission not granted or removed (200-299 in sendErrorRanges).
	10: {code: ErrCodeSenderOffline, message: "sender offline: the app lacks permission to send for this number; " + msgSenderOffline + " and its permissions", offline: true},
	// 33 Parameter value is not valid: the business phone number was deleted.
	33: {code: ErrCodeSenderOffline, message: "sender offline: the business phone number no longer exists; " + msgSenderOffline, offline: true},
	// 368 Temporarily blocked for policies violations.
	368: {code: ErrCodeSenderOffline, message: "sender offline: WhatsApp temporarily blocked the sender for policy violations; " + msgSenderOffline + " in WhatsApp Manager", offline: true},
	// 131031 Account has been locked.
	131031: {code: ErrCodeSenderOffline, message: "sender offline: WhatsApp locked the sender's account; " + msgSenderOffline + " in WhatsApp Manager", offline: true},
	// 131042 Business eligibility payment issue.
	131042: {code: ErrCodeSenderOffline, message: "sender offline: the WhatsApp Business account has a payment issue; " + msgSenderOffline + " and the payment method", offline: true},
	// 131045 Incorrect certificate (registration error).
	131045: {code: ErrCodeSenderOffline, message: "sender offline: the phone number's certificate is wrong (registration error); " + msgSenderOffline + " and register it again", offline: true},
	// 133010 Phone number Not Registered (the rest of 133xxx is in sendErrorRanges).
	133010: {code: ErrCodeSenderOffline, message: "sender offline: the phone number is not registered with the Cloud API; " + msgSenderOffline + " and register it", offline: true},

	// --- throttles (Throttled: retry after backing off) ---
	// 4 API Too Many Calls: app-level limit (hourly window) for the whole app.
	4: {code: ErrCodeRateLimited, message: msgRateLimited + " (app call limit reached)", class: Throttled, retryAfter: time.Minute, senderWide: true},
	// 80007 Rate limit issues: the WhatsApp Business Account's limit (hourly window).
	80007: {code: ErrCodeRateLimited, message: msgRateLimited + " (WhatsApp Business Account limit reached)", class: Throttled, retryAfter: time.Minute, senderWide: true},
	// 130429 Rate limit hit: "Cloud API message throughput has been reached" (per-number messages/second).
	130429: {code: ErrCodeRateLimited, message: msgRateLimited + " (sender throughput reached)", class: Throttled, retryAfter: time.Second, senderWide: true},
	// 131048 Spam rate limit hit: quality-based restriction; slow down, not a quick retry.
	131048: {code: ErrCodeRateLimited, message: msgRateLimited + " later (WhatsApp restricted the sender for low-quality or spam-like sending)", class: Throttled, retryAfter: 5 * time.Minute, senderWide: true},
	// 131056 (Business Account, Consumer Account) pair rate limit hit: about 1
	// message per 6 s to the same person; Meta says retry after 4^X s. Only
	// this recipient backs off.
	131056: {code: ErrCodeRateLimited, message: "rate limited: too many messages to this person; space sends out; the platform retries", class: Throttled, retryAfter: 6 * time.Second},

	// --- transient: retry with the policy ---
	// 1 API Unknown ("maybe" retry).
	1: {code: ErrCodeTransient, message: "temporary WhatsApp error (unknown); " + msgTransient, class: Retryable},
	// 2 API Service: downtime or overload.
	2: {code: ErrCodeTransient, message: "temporary WhatsApp error (service down or overloaded); " + msgTransient, class: Retryable},
	// 131000 Something went wrong ("Try again").
	131000: {code: ErrCodeTransient, message: "temporary WhatsApp error (something went wrong); " + msgTransient, class: Retryable},
	// 131016 Service unavailable.
	131016: {code: ErrCodeTransient, message: "temporary WhatsApp error (service unavailable); " + msgTransient, class: Retryable},
	// 131053 Media upload error (retried, as COURIER does).
	131053: {code: ErrCodeTransient, message: "temporary WhatsApp error (media upload failed); " + msgTransient, metaWords: true, class: Retryable},
	// 133004 Server Temporarily Unavailable (in the 133xxx range, but transient).
	133004: {code: ErrCodeTransient, message: "temporary WhatsApp error (server temporarily unavailable); " + msgTransient, class: Retryable},
	// 131057 Account in maintenance mode (throughput upgrade, up to 1 min): the whole sender waits.
	131057: {code: ErrCodeTransient, message: "temporary WhatsApp error (the sender's account is in maintenance); " + msgTransient + " in about a minute", class: Throttled, retryAfter: time.Minute, senderWide: true},

	// --- the recipient ---
	// 131026 Message Undeliverable: not a WhatsApp number, terms not accepted, old app, blocked.
	131026: {code: ErrCodeInvalidPhone, message: "invalid phone number: WhatsApp cannot deliver to this number (not on WhatsApp, or it cannot receive messages); check it is right and uses +<country code><number>", notOnWA: true},
	// 131030 Recipient phone number not in allowed list (test numbers).
	131030: {code: ErrCodeInvalidPhone, message: "invalid phone number: the recipient is not in the test number's allowed list; add it in the Meta app dashboard"},
	// 131021 Recipient cannot be sender.
	131021: {code: ErrCodeInvalidPhone, message: "invalid phone number: the recipient is the sender's own number"},
	// 131047 Re-engagement message: more than 24 hours since the customer last replied.
	131047: {code: ErrCodeOutsideWindow, message: msgOutsideWindow},
	// 131049 Not delivered to maintain healthy ecosystem engagement (per-user marketing cap).
	131049: {code: ErrCodeMarketingLimited, message: "marketing message not delivered: WhatsApp limits how many marketing messages this person gets; do not resend it soon"},
	// 131050 User stopped marketing messages.
	131050: {code: ErrCodeOptedOut, message: "opted out: this person stopped marketing messages from the business; do not send them marketing"},

	// --- the request ---
	// 100 Invalid parameter (refined by classify100).
	100: {code: ErrCodeInvalidRequest, message: msgInvalidRequest, metaWords: true},
	// 131008 Required parameter is missing.
	131008: {code: ErrCodeInvalidRequest, message: "invalid request: a required parameter is missing", metaWords: true},
	// 131009 Parameter value is not valid.
	131009: {code: ErrCodeInvalidRequest, message: "invalid request: a parameter value is not valid", metaWords: true},
	// 131051 Unsupported message type.
	131051: {code: ErrCodeInvalidRequest, message: "invalid request: unsupported message type", metaWords: true},
	// 135000 Generic user error.
	135000: {code: ErrCodeInvalidRequest, message: msgInvalidRequest, metaWords: true},

	// --- templates (the rest of 132xxx is in sendErrorRanges) ---
	// 132000 Template Param Count Mismatch.
	132000: {code: ErrCodeTemplateNotFound, message: "template parameters do not match the approved template: send the variables the template expects", metaWords: true},
	// 132001 Template does not exist (in that language) or is not approved.
	132001: {code: ErrCodeTemplateNotFound, message: msgTemplateNotFound + " (and exists in this language)"},
	// 132005 Template Hydrated Text Too Long.
	132005: {code: ErrCodeInvalidRequest, message: "invalid request: the template text is too long once its variables are filled in", metaWords: true},
	// 132007 Template Format Character Policy Violated.
	132007: {code: ErrCodeInvalidRequest, message: "invalid request: a template variable breaks WhatsApp's format policy", metaWords: true},
	// 132012 Template Parameter Format Mismatch.
	132012: {code: ErrCodeInvalidRequest, message: "invalid request: a template variable has the wrong format", metaWords: true},
	// 132015 Template is Paused (3 h / 6 h for low quality): Permanent for this send.
	132015: {code: ErrCodeTemplateNotFound, message: "template paused by Meta for low quality: edit the template or wait for the pause to end, then send again"},
	// 132016 Template is Disabled.
	132016: {code: ErrCodeTemplateNotFound, message: "template disabled: Meta disabled this template for low quality; use another approved template"},
}

// sendErrorRanges are the families checked when a code is not in
// sendErrorTable.
var sendErrorRanges = []struct {
	lo, hi int
	rule   sendRule
}{
	// 200-299 API Permission: permission not granted or removed.
	{200, 299, sendRule{code: ErrCodeSenderOffline, message: "sender offline: the app lacks permission to send for this number; " + msgSenderOffline + " and its permissions", offline: true}},
	// 132xxx template errors (132068 flow blocked, 132069 flow throttled, …).
	{132000, 132999, sendRule{code: ErrCodeInvalidRequest, message: "invalid request: WhatsApp rejected the template message", metaWords: true}},
	// 133xxx registration and connection of the phone number (133000
	// incomplete deregistration, 133005-133009 PIN, 133015 recently deleted, 133016 register rate limit).
	{133000, 133999, sendRule{code: ErrCodeSenderOffline, message: "sender offline: the phone number's registration or connection has a problem; " + msgSenderOffline + " and register it again", metaWords: true, offline: true}},
}

// httpRateLimited and httpTransient classify an *APIError without a Meta code by its HTTP status.
var (
	httpRateLimited = sendRule{code: ErrCodeRateLimited, message: msgRateLimited, class: Throttled, retryAfter: time.Second, senderWide: true}
	httpTransient   = sendRule{code: ErrCodeTransient, message: "temporary WhatsApp error (the server failed or timed out); " + msgTransient, class: Retryable}
)

// Code 100 refinements, matched on Meta's title and details.
var (
	reTooLong    = regexp.MustCompile(`(?i)at most \d+ char|\b4096\b`)
	reSenderID   = regexp.MustCompile(`(?i)phone[ _-]number[ _-]id`)
	reToParam    = regexp.MustCompile("(?i)\\bparam(?:eter)?s?\\b[ :]*['\"`]?to\\b|['\"`]to['\"`]|\\bphone\\b")
	reNoSuchObj  = regexp.MustCompile(`(?i)object with id .* does not exist`)
	tooLongRule  = sendRule{code: ErrCodeMessageTooLong, message: msgTooLong}
	badPhoneRule = sendRule{code: ErrCodeInvalidPhone, message: msgInvalidPhone, metaWords: true}
	noSenderRule = sendRule{code: ErrCodeSenderOffline, message: "sender offline: WhatsApp does not know the sender's phone number id, or the token cannot use it; " + msgSenderOffline, offline: true}
)

// classify100 refines code 100 (Invalid parameter) by what it names.
func classify100(subcode int, title, details string) sendRule {
	text := title + "\n" + details
	switch {
	case reTooLong.MatchString(text):
		return tooLongRule
	case subcode == 33 || reNoSuchObj.MatchString(text):
		// "Unsupported post request. Object with ID '<phone-number-id>' does not exist…"
		return noSenderRule
	case reToParam.MatchString(reSenderID.ReplaceAllString(text, "")):
		return badPhoneRule
	}
	return sendErrorTable[100]
}

// sendRuleFor finds the rule for a Meta code; ok is false for unknown codes.
func sendRuleFor(code, subcode int, title, details string) (sendRule, bool) {
	if code == 100 {
		return classify100(subcode, title, details), true
	}
	if r, ok := sendErrorTable[code]; ok {
		return r, true
	}
	for _, rg := range sendErrorRanges {
		if code >= rg.lo && code <= rg.hi {
			return rg.rule, true
		}
	}
	return sendRule{}, false
}

// build makes the SendError for a rule and Meta's words.
func (r sendRule) build(metaCode int, title, details string) *SendError {
	msg := r.message
	if r.metaWords {
		if w := metaWordsOf(title, details); w != "" {
			msg += ": " + w
		}
	}
	return &SendError{
		Code: r.code, Message: msg,
		MetaCode: metaCode, MetaTitle: title, MetaDetails: details,
		Class: r.class, RetryAfter: r.retryAfter, SenderWide: r.senderWide,
		MarkSenderOffline: r.offline, MarkTokenRefused: r.token, MarkNotOnWhatsApp: r.notOnWA,
	}
}

// metaWordsOf is the most useful part of Meta's explanation.
func metaWordsOf(title, details string) string {
	if details != "" {
		return details
	}
	return title
}

// unknownSendError keeps a code we do not know with Meta's words, Permanent unless
// Meta marked it transient.
func unknownSendError(metaCode int, title, details string, transient bool) *SendError {
	msg := fmt.Sprintf("WhatsApp error %d", metaCode)
	if w := metaWordsOf(title, details); w != "" {
		msg += ": " + w
	}
	r := sendRule{code: ErrCodeCloudAPI, message: msg}
	if transient {
		r.class = Retryable
		r.message += "; " + msgTransient
	}
	return r.build(metaCode, title, details)
}

// ClassifyAPIError classifies a Cloud API error by its Code (and Subcode),
// never by HTTP status alone: Meta sends throttles as 400 or 429. The HTTP
// status matters only when Code is 0 (no Meta code): 429 → rate_limited,
// 408 and 5xx → transient, 401 → sender_offline (AuthException). Meta's
// is_transient makes an unknown code Retryable.
func ClassifyAPIError(e *whatsapp.APIError) *SendError {
	if e == nil {
		return nil
	}
	title := e.Title
	if title == "" {
		title = e.Message
	}
	if e.Code == 0 {
		var se *SendError
		switch {
		case e.HTTPStatus == 429:
			se = httpRateLimited.build(0, title, e.Details)
		case e.HTTPStatus == 408 || e.HTTPStatus >= 500:
			se = httpTransient.build(0, title, e.Details)
		case e.HTTPStatus == 401:
			se = sendErrorTable[0].build(0, title, e.Details)
		default:
			// No Meta code and a status that says nothing: keep what came back.
			se = unknownSendError(0, title, e.Details, e.IsTransient)
			se.Message = fmt.Sprintf("WhatsApp error (HTTP %d)", e.HTTPStatus) + strings.TrimPrefix(se.Message, "WhatsApp error 0")
		}
		se.cause = e
		return se
	}
	var se *SendError
	if r, ok := sendRuleFor(e.Code, e.Subcode, title, e.Details); ok {
		se = r.build(e.Code, title, e.Details)
	} else {
		se = unknownSendError(e.Code, title, e.Details, e.IsTransient)
	}
	se.cause = e
	return se
}

// ClassifyWebhookError classifies an error delivered in a failed status
// webhook (statuses[].errors[]: code, title, error_data.details). A webhook
// error without a code is kept as cloud_api_error: a missing code is no
// evidence of an auth failure.
func ClassifyWebhookError(code int, title, details string) *SendError {
	if code == 0 {
		return unknownSendError(0, title, details, false)
	}
	if r, ok := sendRuleFor(code, 0, title, details); ok {
		return r.build(code, title, details)
	}
	return unknownSendError(code, title, details, false)
}

// ClassifyError classifies any error from sending. An *whatsapp.APIError
// anywhere in the chain goes to ClassifyAPIError; a *SendError is returned
// as is; an *apperr.Error (a local check that failed before sending) keeps
// its code and message. Timeouts, refused or reset connections and other
// network failures are transient and Retryable: a failure we cannot classify
// is worth a retry, and Message says so. nil gives nil.
func ClassifyError(err error) *SendError {
	if err == nil {
		return nil
	}
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	var ae *whatsapp.APIError
	if errors.As(err, &ae) {
		return ClassifyAPIError(ae)
	}
	if a, ok := apperr.As(err); ok {
		class := Permanent
		switch a.Kind {
		case apperr.KindUnavailable, apperr.KindUpstream, apperr.KindInternal:
			class = Retryable
		}
		return &SendError{Code: a.Code, Message: a.Message, Class: class, cause: err}
	}
	// The account's Graph URL is on an address the outbound guard refuses:
	// a setting to fix, which no retry changes.
	if d, ok := netguard.AsDenied(err); ok {
		return &SendError{Code: netguard.Code, Message: d.Error(), Class: Permanent, cause: err}
	}
	var msg string
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		msg = "timed out talking to WhatsApp; " + msgTransient
	case errors.Is(err, context.Canceled):
		msg = "the send was interrupted; " + msgTransient
	case errors.Is(err, syscall.ECONNREFUSED):
		msg = "could not reach WhatsApp (connection refused); " + msgTransient
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		msg = "the connection to WhatsApp broke off; " + msgTransient
	default:
		msg = "sending failed with an unclassified error (" + clipSendText(err.Error(), 200) + "); " + msgTransient
	}
	return &SendError{Code: ErrCodeTransient, Message: msg, Class: Retryable, cause: err}
}

// clipSendText shortens s to at most n bytes on a rune boundary.
func clipSendText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return strings.TrimSpace(s[:n]) + "…"
}
