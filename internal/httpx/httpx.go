// Package httpx writes zapflow's HTTP responses: one JSON success shape and
// one JSON error shape, {"error": {"code": …, "message": …}}, with stable
// codes. Internal errors are logged and answered with a generic message, so
// a caller never sees a stack trace or a database error.
package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/zapflow/zapflow/internal/apperr"
)

// ErrorBody is the error envelope.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of the envelope.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // messages say "+<country code>", not "+\u003ccountry code\u003e"
	_ = enc.Encode(v)
}

// Error writes err: an *apperr.Error with its code and message, anything
// else as a logged 500 "internal_error".
func Error(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	ae, ok := apperr.As(err)
	if !ok {
		switch {
		case errors.Is(err, errBodyTooLarge):
			ae = apperr.New(apperr.KindInvalid, "body_too_large", err.Error())
		default:
			log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = apperr.New(apperr.KindInternal, "internal_error", "something went wrong on our side; it was logged")
		}
	}
	if ae.Kind == apperr.KindInternal && ae.Err != nil {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "code", ae.Code, "err", ae.Err)
	}
	JSON(w, Status(ae), ErrorBody{Error: ErrorDetail{Code: ae.Code, Message: ae.Message, Field: ae.Field}})
}

// Fail writes an error built in place.
func Fail(w http.ResponseWriter, status int, code, message string) {
	JSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: message}})
}

// Status is the HTTP status of an error kind.
func Status(e *apperr.Error) int {
	switch e.Kind {
	case apperr.KindInvalid:
		if e.Code == "body_too_large" {
			return http.StatusRequestEntityTooLarge
		}
		if e.Code == "invalid_json" {
			return http.StatusBadRequest
		}
		return http.StatusUnprocessableEntity
	case apperr.KindNotFound:
		return http.StatusNotFound
	case apperr.KindConflict:
		return http.StatusConflict
	case apperr.KindUnauthorized:
		return http.StatusUnauthorized
	case apperr.KindForbidden:
		return http.StatusForbidden
	case apperr.KindUnavailable:
		return http.StatusServiceUnavailable
	case apperr.KindUpstream:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

var errBodyTooLarge = errors.New("request body too large")

// DecodeJSON reads a JSON request body of at most limit bytes into v,
// rejecting unknown fields so a typo is an error, not a silent no-op.
func DecodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.KindInvalid, "body_too_large", "request body is larger than the limit")
		}
		return apperr.New(apperr.KindInvalid, "invalid_json", "request body is not valid JSON for this endpoint: "+err.Error())
	}
	return nil
}
