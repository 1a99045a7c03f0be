// Package apperr is the one error shape domain code returns for anything a
// user or API caller should read: a stable machine code, a message a person
// can act on, and a kind that the HTTP layer (only) turns into a status.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the transport layer.
type Kind int

// The kinds, each with one HTTP status in internal/web.
const (
	KindInternal     Kind = iota // our bug or an unexpected failure: 500, message hidden
	KindInvalid                  // the request is wrong: 400/422
	KindNotFound                 // 404
	KindConflict                 // 409
	KindUnauthorized             // 401
	KindForbidden                // 403
	KindUnavailable              // 503: try again later
	KindUpstream                 // 502: Meta or another remote refused or failed
)

// Error is a named, user-facing error.
type Error struct {
	Kind    Kind
	Code    string // stable, snake_case: "invalid_phone", "sender_offline"
	Message string // what happened and what to do
	Field   string // the input field at fault, if any
	Err     error  // the cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New builds an Error.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Invalid is a validation error on field.
func Invalid(field, code, message string) *Error {
	return &Error{Kind: KindInvalid, Code: code, Message: message, Field: field}
}

// NotFound says what was not found.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: what + " not found"}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
