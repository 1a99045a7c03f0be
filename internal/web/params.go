package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
)

// pathID reads a numeric path parameter.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.Invalid(name, "invalid_id", name+" must be a positive number")
	}
	return id, nil
}

// queryInt reads an optional integer query parameter.
func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.Invalid(name, "invalid_query", name+" must be a non-negative number")
	}
	return n, nil
}

// queryBool reads an optional boolean query parameter.
func queryBool(r *http.Request, name string) (*bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, apperr.Invalid(name, "invalid_query", name+" must be true or false")
	}
	return &b, nil
}

// queryString reads an optional text query parameter; invalid UTF-8 is a
// clear 422, not a database error.
func queryString(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return "", apperr.Invalid(name, "invalid_query", name+" must be valid UTF-8 text")
	}
	return v, nil
}

// maxJSONBody bounds API request bodies.
const maxJSONBody = 1 << 20
