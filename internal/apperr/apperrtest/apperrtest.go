// Package apperrtest holds the assertion the service tests share about
// the errors callers see: a named *apperr.Error with the expected kind
// (which picks the HTTP status), code and field (which the API and the
// web forms show).
package apperrtest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
)

// Require fails t unless err is an *apperr.Error (wrapped or not) of this
// kind, code and field, and returns it for further checks.
func Require(t testing.TB, err error, kind apperr.Kind, code, field string) *apperr.Error {
	t.Helper()
	ae := RequireCode(t, err, code, field)
	require.Equal(t, kind, ae.Kind, "kind of %v", err)
	return ae
}

// RequireCode is Require for any kind.
func RequireCode(t testing.TB, err error, code, field string) *apperr.Error {
	t.Helper()
	require.Error(t, err)
	ae, ok := apperr.As(err)
	require.True(t, ok, "want *apperr.Error, got %T: %v", err, err)
	require.Equal(t, code, ae.Code, "code of %v", err)
	require.Equal(t, field, ae.Field, "field of %v", err)
	return ae
}
