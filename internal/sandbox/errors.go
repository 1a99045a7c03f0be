package sandbox

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// apiError is one Graph API error as the sandbox answers it.
type apiError struct {
	status  int
	code    int
	subcode int
	typ     string // OAuthException, or GraphMethodException for unknown objects
	message string // "(#code) title" for Cloud API errors
	details string // error_data.details: what a client should read
}

func (e *apiError) Error() string { return e.message }

// errorInfo is Meta's error table: title, HTTP status (older official table)
// and a default error_data.details for each code the sandbox can produce or
// inject. Unknown codes get a generic title and 400.
func errorInfo(code int) (title string, status int, details string) {
	switch code {
	case 0:
		return "AuthException", 401, "We were unable to authenticate the app user."
	case 1:
		return "API Unknown", 400, "Invalid request or possible server error."
	case 2:
		return "API Service", 503, "Temporary due to downtime or due to being overloaded."
	case 3:
		return "API Method", 500, "Capability or permissions issue."
	case 4:
		return "API Too Many Calls", 400, "The app has reached its API call rate limit."
	case 10:
		return "Permission Denied", 403, "Permission is either not granted or has been removed."
	case 33:
		return "Parameter value is not valid", 400, "The business phone number has been deleted."
	case 100:
		return "Invalid parameter", 400, "The request included one or more unsupported or misspelled parameters."
	case 190:
		return "Access token has expired", 401, "Your access token has expired or is invalid."
	case 200:
		return "API Permission", 403, "Permission is either not granted or has been removed."
	case 368:
		return "Temporarily blocked for policies violations", 403, "The WhatsApp Business Account is restricted from messaging due to policy violations."
	case 80007:
		return "Rate limit issues", 400, "The WhatsApp Business Account has reached its rate limit."
	case 130429:
		return "Rate limit hit", 400, "Cloud API message throughput has been reached."
	case 130472:
		return "User's number is part of an experiment", 400, "Failed to send message because this user's phone number is part of an experiment."
	case 131000:
		return "Something went wrong", 500, "Message failed to send due to an unknown error."
	case 131008:
		return "Required parameter is missing", 400, "The request is missing a required parameter."
	case 131009:
		return "Parameter value is not valid", 400, "One or more parameter values are invalid."
	case 131016:
		return "Service unavailable", 500, "A service is temporarily unavailable."
	case 131021:
		return "Recipient cannot be sender", 400, "Sender and recipient phone number is the same."
	case 131026:
		return "Message Undeliverable", 400, "Unable to deliver message. The recipient is not a WhatsApp user or cannot receive this message."
	case 131030:
		return "Recipient phone number not in allowed list", 400, "Recipient phone number not in allowed list."
	case 131031:
		return "Account has been locked", 403, "The business account was locked."
	case 131042:
		return "Business eligibility payment issue", 400, "There was an error related to your payment method."
	case 131045:
		return "Incorrect certificate", 500, "Message failed to send due to a phone number registration error."
	case 131047:
		return "Re-engagement message", 400, "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
	case 131048:
		return "Spam rate limit hit", 400, "Message failed to send because there are restrictions on how many messages can be sent from this phone number."
	case 131049:
		return "This message was not delivered to maintain healthy ecosystem engagement.", 400, "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."
	case 131050:
		return "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.", 400,
			"Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."
	case 131051:
		return "Unsupported message type", 400, "Unsupported message type."
	case 131052:
		return "Media download error", 400, "Unable to download the media sent by the user."
	case 131053:
		return "Media upload error", 400, "Unable to upload the media used in the message."
	case 131056:
		return "(Business Account, Consumer Account) pair rate limit hit", 400, "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."
	case 131057:
		return "Account in maintenance mode", 500, "Business Account is in maintenance mode."
	case 132000:
		return "Number of parameters does not match the expected number of params", 400, "The number of variable parameter values included in the request did not match the number of variable parameters defined in the template."
	case 132001:
		return "Template name does not exist in the translation", 404, "The template does not exist in the specified language or the template has not been approved."
	case 132005:
		return "Template Hydrated Text Too Long", 400, "Translated text is too long."
	case 132007:
		return "Template Format Character Policy Violated", 400, "Template content violates a WhatsApp policy."
	case 132012:
		return "Parameter format does not match format in the created template", 400, "Variable parameter values formatted incorrectly."
	case 132015:
		return "Template is Paused", 400, "Template is paused due to low quality so it cannot be sent in a template message."
	case 132016:
		return "Template is Disabled", 400, "Template has been paused too many times due to low quality and is now permanently disabled."
	case 133000:
		return "Incomplete Deregistration", 500, "A previous deregistration attempt failed."
	case 133004:
		return "Server Temporarily Unavailable", 503, "Server is temporarily unavailable."
	case 133010:
		return "Phone number Not Registered", 400, "The phone number is not registered on the WhatsApp Business Platform."
	case 135000:
		return "Generic user error", 400, "Message failed to send because of an unknown error with your request parameters."
	}
	return "Unknown error", 400, "An unknown error occurred."
}

// isThrottle reports codes whose HTTP status follows Config.ThrottleHTTPStatus.
func isThrottle(code int) bool {
	return code == 4 || code == 80007 || code == 130429 || code == 131056
}

// apiErr builds the error for code with Meta's title and status; details
// overrides the table's default when not empty.
func (s *Sandbox) apiErr(code int, details string) *apiError {
	title, status, def := errorInfo(code)
	if isThrottle(code) {
		status = s.cfg.ThrottleHTTPStatus
	}
	if details == "" {
		details = def
	}
	return &apiError{status: status, code: code, typ: "OAuthException",
		message: fmt.Sprintf("(#%d) %s", code, title), details: details}
}

// paramErr is Meta's 400 code 100 with a specific "(#100) …" message.
func paramErr(message string) *apiError {
	return &apiError{status: 400, code: 100, typ: "OAuthException", message: "(#100) " + message, details: message}
}

// unsupportedErr is what Graph answers for an object id that does not exist
// (or an operation the object does not support).
func unsupportedErr(method, id string) *apiError {
	msg := fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
		strings.ToLower(method), id)
	return &apiError{status: 400, code: 100, subcode: 33, typ: "GraphMethodException", message: msg, details: msg}
}

type errorEnvelope struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Message      string     `json:"message"`
	Type         string     `json:"type"`
	Code         int        `json:"code"`
	ErrorSubcode int        `json:"error_subcode,omitempty"`
	ErrorData    *errorData `json:"error_data,omitempty"`
	FBTraceID    string     `json:"fbtrace_id"`
}

type errorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

// writeGraphError writes e in the Graph envelope, reusing the trace id the
// graph middleware put in x-fb-trace-id.
func writeGraphError(w http.ResponseWriter, e *apiError) {
	trace := w.Header().Get("x-fb-trace-id")
	if trace == "" {
		trace = newTraceID()
	}
	env := errorEnvelope{Error: errorBody{
		Message: e.message, Type: e.typ, Code: e.code, ErrorSubcode: e.subcode,
		ErrorData: &errorData{MessagingProduct: "whatsapp", Details: e.details},
		FBTraceID: trace,
	}}
	writeJSON(w, e.status, env)
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal encoding error"}`, http.StatusInternalServerError)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// writeJSONList writes items as a JSON array one element at a time, so a
// long list (GET /sandbox/api/sent after a benchmark: 100,000 messages
// with their payloads) is never held whole as one encoded buffer.
func writeJSONList[T any](w http.ResponseWriter, items []T) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw) // each element ends in a newline, valid between array items
	_ = bw.WriteByte('[')
	for i := range items {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		if err := enc.Encode(&items[i]); err != nil {
			return // the client sees a truncated body, not a wrong one
		}
	}
	_, _ = bw.WriteString("]\n")
	_ = bw.Flush()
}
