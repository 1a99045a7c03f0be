package messaging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// sendErrWant is what a classification must produce.
type sendErrWant struct {
	code       string
	class      RetryClass
	retryAfter time.Duration // exact
	senderWide bool
	offline    bool
	token      bool
	notOnWA    bool
	words      []string // must all be in Message
}

func checkSendError(t *testing.T, got *SendError, w sendErrWant) {
	t.Helper()
	require.NotNil(t, got)
	require.Equal(t, w.code, got.Code, "code; message %q", got.Message)
	require.Equal(t, w.class, got.Class, "class")
	require.Equal(t, w.retryAfter, got.RetryAfter, "retry after")
	require.Equal(t, w.senderWide, got.SenderWide, "sender wide")
	require.Equal(t, w.offline, got.MarkSenderOffline, "mark sender offline")
	require.Equal(t, w.token, got.MarkTokenRefused, "mark the account's token refused")
	require.Equal(t, w.notOnWA, got.MarkNotOnWhatsApp, "mark not on WhatsApp")
	require.NotEmpty(t, w.words, "every row names the words the user must read")
	for _, word := range w.words {
		require.Contains(t, got.Message, word)
	}
}

const (
	wordsOffline = "check the sender's status and connection"
	wordsRetries = "the platform retries"
)

func TestClassifyAPIError(t *testing.T) {
	t.Parallel()
	offline := func(extra ...string) sendErrWant {
		return sendErrWant{code: "sender_offline", offline: true, words: append([]string{"sender offline", wordsOffline}, extra...)}
	}
	// A refused token is the account's: the sender is not marked offline.
	tokenRefused := func(extra ...string) sendErrWant {
		return sendErrWant{code: "sender_offline", token: true, words: append([]string{"sender offline", wordsOffline, "new access token"}, extra...)}
	}
	transient := func(extra ...string) sendErrWant {
		return sendErrWant{code: "transient", class: Retryable, words: append([]string{wordsRetries}, extra...)}
	}
	invalid := func(extra ...string) sendErrWant {
		return sendErrWant{code: "invalid_request", words: append([]string{"invalid request"}, extra...)}
	}
	tests := []struct {
		name string
		in   whatsapp.APIError
		want sendErrWant
	}{
		// template_not_found family
		{"132000 param count mismatch", whatsapp.APIError{HTTPStatus: 400, Code: 132000, Title: "Number of parameters does not match the expected number of params", Details: "body: number of localizable_params (1) does not match the expected number of params (2)"},
			sendErrWant{code: "template_not_found", words: []string{"template parameters do not match the approved template", "expected number of params (2)"}}},
		{"132001 template does not exist", whatsapp.APIError{HTTPStatus: 404, Code: 132001, Title: "Template name does not exist in the translation"},
			sendErrWant{code: "template_not_found", words: []string{"template not found", "check the template is approved and the id is right"}}},
		{"132015 paused", whatsapp.APIError{HTTPStatus: 400, Code: 132015, Title: "Template is Paused"},
			sendErrWant{code: "template_not_found", words: []string{"template paused by Meta for low quality"}}},
		{"132016 disabled", whatsapp.APIError{HTTPStatus: 400, Code: 132016, Title: "Template is Disabled"},
			sendErrWant{code: "template_not_found", words: []string{"template disabled"}}},
		{"132005 hydrated text too long", whatsapp.APIError{HTTPStatus: 400, Code: 132005, Title: "Template Hydrated Text Too Long", Details: "translated text too long"},
			invalid("too long", "translated text too long")},
		{"132007 format policy", whatsapp.APIError{HTTPStatus: 400, Code: 132007, Title: "Template Format Character Policy Violated", Details: "newline in param"},
			invalid("format policy", "newline in param")},
		{"132012 parameter format", whatsapp.APIError{HTTPStatus: 400, Code: 132012, Title: "Template Parameter Format Mismatch", Details: "expected a currency"},
			invalid("wrong format", "expected a currency")},
		{"132068 other template family", whatsapp.APIError{HTTPStatus: 400, Code: 132068, Title: "Flow is blocked"},
			invalid("template", "Flow is blocked")},

		// sender_offline
		{"190 token expired", whatsapp.APIError{HTTPStatus: 401, Code: 190, Subcode: 463, Title: "Error validating access token: Session has expired"},
			tokenRefused("expired")},
		{"104 no token", whatsapp.APIError{HTTPStatus: 401, Code: 104, Title: "An access token is required to request this resource."},
			offline("access token")},
		{"10 permission denied", whatsapp.APIError{HTTPStatus: 403, Code: 10, Title: "Permission denied"}, offline("permission")},
		{"200 permission range", whatsapp.APIError{HTTPStatus: 403, Code: 200, Title: "Permissions error"}, offline("permission")},
		{"33 number deleted", whatsapp.APIError{HTTPStatus: 400, Code: 33, Title: "Parameter value is not valid"}, offline("no longer exists")},
		{"368 blocked", whatsapp.APIError{HTTPStatus: 403, Code: 368, Title: "Temporarily blocked for policies violations"}, offline("blocked")},
		{"131031 locked", whatsapp.APIError{HTTPStatus: 403, Code: 131031, Title: "Account has been locked"}, offline("locked")},
		{"131042 payment", whatsapp.APIError{HTTPStatus: 400, Code: 131042, Title: "Business eligibility payment issue"}, offline("payment")},
		{"131045 certificate", whatsapp.APIError{HTTPStatus: 500, Code: 131045, Title: "Incorrect certificate"}, offline("certificate")},
		{"133000 incomplete deregistration", whatsapp.APIError{HTTPStatus: 500, Code: 133000, Title: "Incomplete Deregistration"}, offline("registration", "Incomplete Deregistration")},
		{"133010 not registered", whatsapp.APIError{HTTPStatus: 400, Code: 133010, Title: "Phone number Not Registered"}, offline("not registered")},
		{"133016 register rate limit", whatsapp.APIError{HTTPStatus: 400, Code: 133016, Title: "Account register deregister rate limit exceeded"}, offline("registration")},
		{"100 unknown phone number id", whatsapp.APIError{HTTPStatus: 400, Code: 100, Subcode: 33, Type: "GraphMethodException",
			Title: "Unsupported post request. Object with ID '1234' does not exist, cannot be loaded due to missing permissions, or does not support this operation."},
			offline("phone number id")},

		// invalid_phone / message_too_long / invalid_request from 100
		{"100 on to", whatsapp.APIError{HTTPStatus: 400, Code: 100, Title: "Invalid parameter", Details: "Invalid parameter 'to': not a valid phone number"},
			sendErrWant{code: "invalid_phone", words: []string{"invalid phone number", "+<country code><number>"}}},
		{"100 param to", whatsapp.APIError{HTTPStatus: 400, Code: 100, Title: "The parameter to is required."},
			sendErrWant{code: "invalid_phone", words: []string{"invalid phone number"}}},
		{"100 text body too long", whatsapp.APIError{HTTPStatus: 400, Code: 100, Title: "Invalid parameter", Details: "Param text['body'] must be at most 4096 characters long."},
			sendErrWant{code: "message_too_long", words: []string{"message too long", "4096"}}},
		{"100 other parameter", whatsapp.APIError{HTTPStatus: 400, Code: 100, Title: "Invalid parameter", Details: "Param template['name'] is required"},
			invalid("template['name']")},
		{"100 phone_number_id is not the recipient", whatsapp.APIError{HTTPStatus: 400, Code: 100, Title: "Invalid parameter", Details: "invalid phone_number_id format"},
			invalid("phone_number_id")},
		{"131008 missing", whatsapp.APIError{HTTPStatus: 400, Code: 131008, Title: "Required parameter is missing", Details: "text.body is required"},
			invalid("missing", "text.body is required")},
		{"131009 not valid", whatsapp.APIError{HTTPStatus: 400, Code: 131009, Title: "Parameter value is not valid"}, invalid("Parameter value is not valid")},
		{"131051 unsupported type", whatsapp.APIError{HTTPStatus: 400, Code: 131051, Title: "Unsupported message type"}, invalid("unsupported message type")},
		{"135000 generic", whatsapp.APIError{HTTPStatus: 400, Code: 135000, Title: "Generic user error"}, invalid("Generic user error")},

		// the recipient
		{"131026 undeliverable", whatsapp.APIError{HTTPStatus: 400, Code: 131026, Title: "Message Undeliverable"},
			sendErrWant{code: "invalid_phone", notOnWA: true, words: []string{"invalid phone number", "not on WhatsApp", "+<country code><number>"}}},
		{"131030 not allowed list", whatsapp.APIError{HTTPStatus: 400, Code: 131030, Title: "Recipient phone number not in allowed list"},
			sendErrWant{code: "invalid_phone", words: []string{"invalid phone number", "allowed list"}}},
		{"131021 recipient is sender", whatsapp.APIError{HTTPStatus: 400, Code: 131021, Title: "Recipient cannot be sender"},
			sendErrWant{code: "invalid_phone", words: []string{"invalid phone number", "own number"}}},
		{"131047 outside window", whatsapp.APIError{HTTPStatus: 400, Code: 131047, Title: "Re-engagement message"},
			sendErrWant{code: "outside_window", words: []string{"outside the 24-hour window", "use a template message"}}},
		{"131049 marketing cap", whatsapp.APIError{HTTPStatus: 400, Code: 131049, Title: "This message was not delivered to maintain healthy ecosystem engagement."},
			sendErrWant{code: "marketing_limited", words: []string{"marketing message not delivered"}}},
		{"131050 stopped marketing", whatsapp.APIError{HTTPStatus: 400, Code: 131050, Title: "User stopped marketing messages"},
			sendErrWant{code: "opted_out", words: []string{"opted out", "stopped marketing messages"}}},

		// rate_limited, whatever the HTTP status
		{"4 app limit", whatsapp.APIError{HTTPStatus: 400, Code: 4, Title: "Application request limit reached"},
			sendErrWant{code: "rate_limited", class: Throttled, retryAfter: time.Minute, senderWide: true, words: []string{"rate limited", wordsRetries}}},
		{"80007 WABA limit", whatsapp.APIError{HTTPStatus: 429, Code: 80007, Title: "Rate limit issues"},
			sendErrWant{code: "rate_limited", class: Throttled, retryAfter: time.Minute, senderWide: true, words: []string{"rate limited", wordsRetries}}},
		{"130429 throughput as 400", whatsapp.APIError{HTTPStatus: 400, Code: 130429, Title: "Rate limit hit"},
			sendErrWant{code: "rate_limited", class: Throttled, retryAfter: time.Second, senderWide: true, words: []string{"rate limited", "space sends out", wordsRetries}}},
		{"131048 spam", whatsapp.APIError{HTTPStatus: 400, Code: 131048, Title: "Spam rate limit hit"},
			sendErrWant{code: "rate_limited", class: Throttled, retryAfter: 5 * time.Minute, senderWide: true, words: []string{"rate limited", wordsRetries}}},
		{"131056 pair limit", whatsapp.APIError{HTTPStatus: 400, Code: 131056, Title: "(Business Account, Consumer Account) pair rate limit hit"},
			sendErrWant{code: "rate_limited", class: Throttled, retryAfter: 6 * time.Second, senderWide: false, words: []string{"rate limited", "this person", wordsRetries}}},

		// transient
		{"1 unknown", whatsapp.APIError{HTTPStatus: 400, Code: 1, Title: "An unknown error occurred"}, transient()},
		{"2 service", whatsapp.APIError{HTTPStatus: 503, Code: 2, Title: "Service temporarily unavailable"}, transient()},
		{"131000 something went wrong", whatsapp.APIError{HTTPStatus: 500, Code: 131000, Title: "Something went wrong"}, transient()},
		{"131016 service unavailable", whatsapp.APIError{HTTPStatus: 500, Code: 131016, Title: "Service unavailable"}, transient()},
		{"131053 media upload", whatsapp.APIError{HTTPStatus: 400, Code: 131053, Title: "Media upload error"}, transient("media")},
		{"133004 server unavailable beats the 133xxx range", whatsapp.APIError{HTTPStatus: 503, Code: 133004, Title: "Server Temporarily Unavailable"}, transient()},
		{"131057 maintenance", whatsapp.APIError{HTTPStatus: 500, Code: 131057, Title: "Account in maintenance mode"},
			sendErrWant{code: "transient", class: Throttled, retryAfter: time.Minute, senderWide: true, words: []string{"maintenance", wordsRetries}}},

		// HTTP status only when there is no Meta code
		{"429 no code", whatsapp.APIError{HTTPStatus: 429, Message: "Too Many Requests"},
			sendErrWant{code: "rate_limited", class: Throttled, retryAfter: time.Second, senderWide: true, words: []string{"rate limited", wordsRetries}}},
		{"503 no code", whatsapp.APIError{HTTPStatus: 503, Message: "<html>Service Unavailable</html>"}, transient()},
		{"502 no code", whatsapp.APIError{HTTPStatus: 502, Message: "bad gateway"}, transient()},
		{"401 no code", whatsapp.APIError{HTTPStatus: 401, Type: "OAuthException", Message: "AuthException"}, tokenRefused("access token")},
		{"404 no code", whatsapp.APIError{HTTPStatus: 404, Message: "not found"},
			sendErrWant{code: "cloud_api_error", words: []string{"HTTP 404", "not found"}}},
		{"500 with a permanent code is not transient", whatsapp.APIError{HTTPStatus: 500, Code: 131047, Title: "Re-engagement message"},
			sendErrWant{code: "outside_window", words: []string{"outside the 24-hour window"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := tt.in
			got := ClassifyAPIError(&in)
			checkSendError(t, got, tt.want)
			require.Equal(t, tt.in.Code, got.MetaCode)
			require.Equal(t, tt.in.Details, got.MetaDetails)
			if tt.in.Title != "" {
				require.Equal(t, tt.in.Title, got.MetaTitle)
			}
			var ae *whatsapp.APIError
			require.ErrorAs(t, got, &ae, "the API error stays in the chain")
		})
	}
}

func TestClassifyAPIErrorUnknownCode(t *testing.T) {
	t.Parallel()
	in := &whatsapp.APIError{HTTPStatus: 400, Code: 999999, Message: "(#999999) Brand new failure", Title: "Brand new failure", Details: "something Meta added"}
	got := ClassifyAPIError(in)
	require.Equal(t, "cloud_api_error", got.Code)
	require.Equal(t, Permanent, got.Class)
	require.Equal(t, 999999, got.MetaCode)
	require.Equal(t, "Brand new failure", got.MetaTitle)
	require.Equal(t, "something Meta added", got.MetaDetails)
	require.Contains(t, got.Message, "999999")
	require.False(t, got.SenderWide || got.MarkSenderOffline || got.MarkNotOnWhatsApp)

	// Meta's is_transient hint makes an unknown code retryable.
	in.IsTransient = true
	got = ClassifyAPIError(in)
	require.Equal(t, "cloud_api_error", got.Code)
	require.Equal(t, Retryable, got.Class)
	require.Contains(t, got.Message, wordsRetries)

	// Without a stripped title, Meta's message is kept.
	got = ClassifyAPIError(&whatsapp.APIError{HTTPStatus: 400, Code: 999998, Message: "(#999998) Odd"})
	require.Equal(t, "(#999998) Odd", got.MetaTitle)

	require.Nil(t, ClassifyAPIError(nil))
}

func TestClassifyWebhookError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code           int
		title, details string
		want           sendErrWant
	}{
		{131026, "Message Undeliverable.", "Message Undeliverable.",
			sendErrWant{code: "invalid_phone", notOnWA: true, words: []string{"invalid phone number", "not on WhatsApp"}}},
		{131047, "Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
			sendErrWant{code: "outside_window", words: []string{"outside the 24-hour window", "use a template message"}}},
		{131049, "This message was not delivered to maintain healthy ecosystem engagement.", "",
			sendErrWant{code: "marketing_limited", words: []string{"marketing message not delivered"}}},
		{131050, "User stopped marketing messages", "", sendErrWant{code: "opted_out", words: []string{"opted out"}}},
		{132015, "Template is Paused", "", sendErrWant{code: "template_not_found", words: []string{"template paused by Meta for low quality"}}},
		{130429, "Rate limit hit", "Cloud API message throughput has been reached.",
			sendErrWant{code: "rate_limited", class: Throttled, retryAfter: time.Second, senderWide: true, words: []string{"rate limited"}}},
		{100, "Invalid parameter", "Param text['body'] must be at most 4096 characters long.",
			sendErrWant{code: "message_too_long", words: []string{"message too long"}}},
		{190, "Access token has expired", "", sendErrWant{code: "sender_offline", token: true, words: []string{"sender offline", wordsOffline}}},
		{999999, "Brand new failure", "", sendErrWant{code: "cloud_api_error", words: []string{"999999", "Brand new failure"}}},
		// A webhook error without a code is kept, not taken for an auth failure.
		{0, "weird", "", sendErrWant{code: "cloud_api_error", words: []string{"weird"}}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			t.Parallel()
			got := ClassifyWebhookError(tt.code, tt.title, tt.details)
			checkSendError(t, got, tt.want)
			require.Equal(t, tt.code, got.MetaCode)
			require.Equal(t, tt.title, got.MetaTitle)
			require.Equal(t, tt.details, got.MetaDetails)
		})
	}
}

// timeoutErr is a net.Error that timed out.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestClassifyError(t *testing.T) {
	t.Parallel()
	require.Nil(t, ClassifyError(nil))

	t.Run("wrapped APIError", func(t *testing.T) {
		t.Parallel()
		err := fmt.Errorf("send message 42: %w", &whatsapp.APIError{HTTPStatus: 400, Code: 131047, Title: "Re-engagement message"})
		got := ClassifyError(err)
		checkSendError(t, got, sendErrWant{code: "outside_window", words: []string{"outside the 24-hour window"}})
		require.Equal(t, 131047, got.MetaCode)
		require.Equal(t, "outside_window: outside the 24-hour window: use a template message (Meta #131047 Re-engagement message)", got.Error())
	})

	t.Run("SendError passes through", func(t *testing.T) {
		t.Parallel()
		se := &SendError{Code: "invalid_request", Message: "x", Class: Permanent}
		require.Same(t, se, ClassifyError(fmt.Errorf("wrap: %w", se)))
	})

	t.Run("apperr keeps its code", func(t *testing.T) {
		t.Parallel()
		got := ClassifyError(apperr.Invalid("to", "invalid_phone", "invalid phone number: use +<country code><number>"))
		require.Equal(t, "invalid_phone", got.Code)
		require.Equal(t, Permanent, got.Class)
		got = ClassifyError(apperr.New(apperr.KindUnavailable, "busy", "try later"))
		require.Equal(t, Retryable, got.Class)
	})

	t.Run("outbound guard refusal is permanent", func(t *testing.T) {
		t.Parallel()
		denied := &netguard.DeniedError{Destination: "10.0.0.5", Reason: "add it to ZAPFLOW_OUTBOUND_ALLOW"}
		got := ClassifyError(&url.Error{Op: "Post", URL: "http://10.0.0.5/v23.0/1/messages", Err: &net.OpError{Op: "dial", Net: "tcp", Err: denied}})
		require.Equal(t, netguard.Code, got.Code)
		require.Equal(t, Permanent, got.Class)
		require.Contains(t, got.Message, "destination 10.0.0.5 is not allowed")
	})

	transient := []struct {
		name  string
		err   error
		words string
	}{
		{"deadline", context.DeadlineExceeded, "timed out"},
		{"wrapped deadline", fmt.Errorf("post: %w", context.DeadlineExceeded), "timed out"},
		{"net timeout", &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}, "timed out"},
		{"os deadline", fmt.Errorf("x: %w", os.ErrDeadlineExceeded), "timed out"},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "connection refused"},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), "broke off"},
		{"unexpected EOF", fmt.Errorf("body: %w", io.ErrUnexpectedEOF), "broke off"},
		{"anything else", errors.New("tls: bad certificate"), "unclassified error (tls: bad certificate)"},
		{"long anything else", errors.New(strings.Repeat("é", 300)), "…"},
	}
	for _, tt := range transient {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ClassifyError(tt.err)
			checkSendError(t, got, sendErrWant{code: "transient", class: Retryable, words: []string{tt.words, wordsRetries}})
			require.Zero(t, got.MetaCode)
			require.ErrorIs(t, got, tt.err, "the cause stays in the chain")
			require.Less(t, len(got.Message), 300)
		})
	}
}

func TestSendErrorError(t *testing.T) {
	t.Parallel()
	require.Equal(t, "transient: timed out", (&SendError{Code: "transient", Message: "timed out"}).Error())
	require.Equal(t, "cloud_api_error: x (Meta #7)", (&SendError{Code: "cloud_api_error", Message: "x", MetaCode: 7}).Error())
	require.Equal(t, "retryable", Retryable.String())
	require.Equal(t, "throttled", Throttled.String())
	require.Equal(t, "permanent", Permanent.String())
}

func TestSendErrorAppErr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   *SendError
		kind apperr.Kind
	}{
		{ClassifyWebhookError(131047, "Re-engagement message", ""), apperr.KindInvalid},
		{ClassifyWebhookError(131026, "Message Undeliverable", ""), apperr.KindInvalid},
		{ClassifyWebhookError(132001, "Template does not exist", ""), apperr.KindInvalid},
		{ClassifyWebhookError(131009, "Parameter value is not valid", ""), apperr.KindInvalid},
		{ClassifyWebhookError(100, "Invalid parameter", "Param text['body'] must be at most 4096 characters long."), apperr.KindInvalid},
		{ClassifyWebhookError(131050, "User stopped marketing messages", ""), apperr.KindInvalid},
		{ClassifyWebhookError(190, "Access token has expired", ""), apperr.KindUnavailable},
		{ClassifyWebhookError(130429, "Rate limit hit", ""), apperr.KindUnavailable},
		{ClassifyWebhookError(131000, "Something went wrong", ""), apperr.KindUnavailable},
		{ClassifyError(context.DeadlineExceeded), apperr.KindUnavailable},
		{ClassifyWebhookError(999999, "Brand new failure", ""), apperr.KindUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.in.Code+fmt.Sprint(tt.in.MetaCode), func(t *testing.T) {
			t.Parallel()
			a := tt.in.AppErr()
			require.Equal(t, tt.kind, a.Kind)
			require.Equal(t, tt.in.Code, a.Code)
			require.Equal(t, tt.in.Message, a.Message)
			var se *SendError
			require.ErrorAs(t, a, &se)
			require.Same(t, tt.in, se)
		})
	}
}

// Every row of the table and the ranges is well formed: a known code, a
// message, and flags that agree with the class.
func TestSendErrorTableRows(t *testing.T) {
	t.Parallel()
	known := map[string]bool{
		ErrCodeTemplateNotFound: true, ErrCodeSenderOffline: true, ErrCodeInvalidPhone: true, ErrCodeOutsideWindow: true,
		ErrCodeRateLimited: true, ErrCodeTransient: true, ErrCodeInvalidRequest: true, ErrCodeMessageTooLong: true,
		ErrCodeMarketingLimited: true, ErrCodeOptedOut: true,
	}
	rules := map[string]sendRule{}
	for code, r := range sendErrorTable {
		rules[fmt.Sprint(code)] = r
	}
	for _, rg := range sendErrorRanges {
		rules[fmt.Sprintf("%d-%d", rg.lo, rg.hi)] = rg.rule
	}
	for name, r := range rules {
		require.True(t, known[r.code], "%s: code %q", name, r.code)
		require.NotEmpty(t, r.message, name)
		if r.senderWide {
			require.Equal(t, Throttled, r.class, "%s: sender-wide backoff needs Throttled", name)
		}
		if r.class == Permanent {
			require.Zero(t, r.retryAfter, "%s: permanent errors have no retry-after", name)
		}
		if r.offline {
			require.Equal(t, ErrCodeSenderOffline, r.code, name)
		}
	}
}
