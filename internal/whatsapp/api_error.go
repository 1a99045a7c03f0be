package whatsapp

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// APIError is a failed Graph API call: Meta's error envelope, decoded
// leniently. Classify it by Code (and Subcode), never by HTTPStatus: Meta
// returns throttles as 400 or 429 depending on the endpoint and era.
// Fields Meta left out are zero. A body that is not an error envelope
// (a proxy's 502 page, say) gives Code 0, the HTTP status, and a snippet of
// the body in Message.
type APIError struct {
	HTTPStatus  int    `json:"http_status"`
	Code        int    `json:"code"`
	Subcode     int    `json:"subcode,omitempty"`
	Type        string `json:"type,omitempty"`    // usually OAuthException
	Message     string `json:"message,omitempty"` // "(#131056) (Business Account, Consumer Account) pair rate limit hit"
	Title       string `json:"title,omitempty"`   // Message without its "(#code) " prefix
	Details     string `json:"details,omitempty"` // error_data.details: the useful explanation
	UserTitle   string `json:"user_title,omitempty"`
	UserMsg     string `json:"user_msg,omitempty"`
	FBTraceID   string `json:"fbtrace_id,omitempty"`
	IsTransient bool   `json:"is_transient,omitempty"`
}

// Error renders the parts an operator needs to look the error up: status,
// code, subcode, message, details and Meta's trace id.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "whatsapp: graph api error (http %d", e.HTTPStatus)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	if e.Subcode != 0 {
		fmt.Fprintf(&b, ", subcode %d", e.Subcode)
	}
	b.WriteString(")")
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Details != "" && e.Details != e.Message {
		b.WriteString(": " + e.Details)
	}
	if e.FBTraceID != "" {
		b.WriteString(" (fbtrace_id " + e.FBTraceID + ")")
	}
	return b.String()
}

// codePrefix matches the "(#131056) " Graph puts before the title.
var codePrefix = regexp.MustCompile(`^\(#\d+\)\s*`)

// hasErrorEnvelope reports whether a body is {"error": {...}} (Graph has
// been seen to send those with 200).
func hasErrorEnvelope(body []byte) bool {
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	return json.Unmarshal(body, &env) == nil && len(env.Error) > 0 && env.Error[0] == '{'
}

// decodeAPIError builds an *APIError from a response. It never fails: any
// field of the wrong type is skipped, and a body that is not an envelope is
// summarised in Message.
func decodeAPIError(status int, body []byte) *APIError {
	e := &APIError{HTTPStatus: status}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || isAbsent(env.Error) {
		e.Message = bodySnippet(body)
		return e
	}
	var f map[string]json.RawMessage
	if json.Unmarshal(env.Error, &f) != nil {
		// {"error": "some text"} from proxies and older endpoints.
		if s, ok := looseString(env.Error); ok {
			e.Message = s
		} else {
			e.Message = bodySnippet(body)
		}
		return e
	}
	e.Code = looseInt(f["code"])
	e.Subcode = looseInt(f["error_subcode"])
	e.Type, _ = looseString(f["type"])
	e.Message, _ = looseString(f["message"])
	e.UserTitle, _ = looseString(f["error_user_title"])
	e.UserMsg, _ = looseString(f["error_user_msg"])
	e.FBTraceID, _ = looseString(f["fbtrace_id"])
	e.IsTransient = looseBool(f["is_transient"])
	e.Details = errorDataDetails(f["error_data"])
	e.Title = codePrefix.ReplaceAllString(e.Message, "")
	return e
}

// errorDataDetails extracts details from error_data, which is an object
// {"details": ...} for messaging errors but a plain (sometimes
// JSON-encoded) string for template management errors.
func errorDataDetails(raw json.RawMessage) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		s, _ := looseString(obj["details"])
		return s
	}
	s, ok := looseString(raw)
	if !ok {
		return ""
	}
	if json.Unmarshal([]byte(s), &obj) == nil {
		if d, ok := looseString(obj["details"]); ok && d != "" {
			return d
		}
	}
	return s
}

// looseString returns a JSON string's text or a number's literal.
func looseString(raw json.RawMessage) (string, bool) {
	if isAbsent(raw) {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// looseInt reads an integer sent as a number or a numeric string; 0 if
// neither.
func looseInt(raw json.RawMessage) int {
	s, ok := looseString(raw)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}

// looseBool reads true/false sent as a boolean or a string.
func looseBool(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	s, _ := looseString(raw)
	b, _ = strconv.ParseBool(s)
	return b
}

// bodySnippet returns the start of a non-envelope body as valid UTF-8.
func bodySnippet(body []byte) string {
	const max = 256
	s := strings.TrimSpace(string(body))
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
