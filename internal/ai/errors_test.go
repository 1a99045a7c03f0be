package ai

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Each provider failure ends as its named error, with the troubleshooting
// line, in the answer, the call log and the assistant's last error.
func TestNamedErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		code   string
		kind   apperr.Kind
		words  string // part of the provider's words that must reach the person
	}{
		{"invalid key", 401, `{"error":{"message":"Incorrect API key provided: sk-***","type":"invalid_request_error","code":"invalid_api_key"}}`,
			CodeInvalidKey, apperr.KindUpstream, "Incorrect API key provided"},
		{"unknown model", 404, `{"error":{"message":"The model gpt-4o does not exist","type":"invalid_request_error","code":"model_not_found"}}`,
			CodeUnknownModel, apperr.KindUpstream, `model "gpt-4o-mini"`},
		{"rate limited", 429, `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`,
			CodeRateLimited, apperr.KindUnavailable, "Rate limit reached"},
		{"provider down", 503, `<html>bad gateway</html>`, CodeUnavailable, apperr.KindUnavailable, "status 503"},
		{"server error", 500, `{"error":{"message":"The server had an error","type":"server_error"}}`, CodeUnavailable, apperr.KindUnavailable, "server had an error"},
		{"empty answer", 200, completionJSON("  "), CodeUnavailable, apperr.KindUnavailable, "no text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.New(t, store.SQLite)
			e := newEnv(t, db)
			e.model.respond = func(int) (int, string) { return tc.status, tc.body }
			a := e.assistant(t, "hi")
			_, err := e.svc.Reply(context.Background(), a.ID, "c1", "oi", nil)
			ae := apperrtest.RequireCode(t, err, tc.code, "")
			require.Equal(t, tc.kind, ae.Kind)
			require.Contains(t, ae.Message, Troubleshooting(tc.code), "the message says how to fix it")
			require.Contains(t, ae.Message, tc.words)
			requireFailureRecorded(t, e, a.ID, tc.code)
		})
	}
}

func TestTimeoutAndUnreachable(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	e := newEnv(t, db)
	a := e.assistant(t, "hi")

	_, err := e.svc.UpdateAISettings(ctx, AISettingsInput{TimeoutSeconds: ptr(1)})
	require.NoError(t, err)
	e.model.respond = func(int) (int, string) { return 0, "" } // never answers
	_, err = e.svc.Reply(ctx, a.ID, "c1", "oi", nil)
	ae := apperrtest.RequireCode(t, err, CodeTimeout, "")
	require.Contains(t, ae.Message, "within 1s")
	require.Contains(t, ae.Message, Troubleshooting(CodeTimeout))
	requireFailureRecorded(t, e, a.ID, CodeTimeout)

	// Nothing listens at the base URL (another host: the key is given again).
	_, err = e.svc.UpdateAISettings(ctx, AISettingsInput{BaseURL: ptr("http://127.0.0.1:1/v1"), APIKey: ptr("sk-test-1234")})
	require.NoError(t, err)
	_, err = e.svc.Reply(ctx, a.ID, "c1", "oi", nil)
	apperrtest.RequireCode(t, err, CodeUnavailable, "")
}

func TestDisabled(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	e := newEnv(t, db)
	a := e.assistant(t, "hi")
	_, err := e.svc.UpdateAISettings(ctx, AISettingsInput{Enabled: ptr(false)})
	require.NoError(t, err)
	_, err = e.svc.Reply(ctx, a.ID, "c1", "oi", nil)
	ae := apperrtest.RequireCode(t, err, CodeDisabled, "")
	require.Equal(t, apperr.KindConflict, ae.Kind)
	_, err = e.svc.Transform(ctx, TransformRequest{Action: ActionFixGrammar, Text: "helo"})
	apperrtest.RequireCode(t, err, CodeDisabled, "")
	require.Empty(t, e.model.Calls())

	// On again, but with no key, no base URL and no sandbox: not configured.
	_, err = e.svc.UpdateAISettings(ctx, AISettingsInput{Enabled: ptr(true), APIKey: ptr(""), BaseURL: ptr("")})
	require.NoError(t, err)
	_, err = e.svc.Reply(ctx, a.ID, "c1", "oi", nil)
	ae = apperrtest.RequireCode(t, err, CodeDisabled, "")
	require.Contains(t, ae.Message, "no API key is set")
}

// The team hears about an assistant once it has failed threshold times in
// a row, once, and a success starts the count again.
func TestFailingAssistantNotifiesOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		a := e.assistant(t, "hi")
		var failing atomic.Bool
		failing.Store(true)
		e.model.respond = func(n int) (int, string) {
			if failing.Load() {
				return 401, `{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}`
			}
			return 200, completionJSON("ok")
		}
		notes := func() []notify.Notification {
			list, err := notify.List(ctx, db.Read(), 0)
			require.NoError(t, err)
			var out []notify.Notification
			for _, n := range list {
				if n.Kind == KindAssistantFailing {
					out = append(out, n)
				}
			}
			return out
		}
		for range 2 {
			_, err := e.svc.Reply(ctx, a.ID, "c1", "oi", nil)
			require.Error(t, err)
		}
		require.Empty(t, notes(), "two failures are not yet a pattern")
		for range 2 {
			_, err := e.svc.Reply(ctx, a.ID, "c1", "oi", nil)
			require.Error(t, err)
		}
		got := notes()
		require.Len(t, got, 1, "notified once at the third failure, not again at the fourth")
		require.Contains(t, got[0].Title, `"Ana" keeps failing: 3 replies in a row`)
		require.Contains(t, got[0].Body, Troubleshooting(CodeInvalidKey))
		require.Equal(t, "assistant:"+itoa(int(a.ID)), got[0].Ref)

		failing.Store(false)
		_, err := e.svc.Reply(ctx, a.ID, "c1", "oi", nil)
		require.NoError(t, err)
		after, err := e.svc.Assistant(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, 0, after.Failures)
		require.NotNil(t, after.LastError, "the last error stays visible after a success")
	})
}

func requireFailureRecorded(t *testing.T, e *env, assistantID int64, code string) {
	t.Helper()
	ctx := context.Background()
	calls, err := e.svc.Calls(ctx, assistantID, 1)
	require.NoError(t, err)
	require.Len(t, calls, 1)
	require.Equal(t, code, calls[0].Outcome)
	require.NotEmpty(t, calls[0].Error)
	a, err := e.svc.Assistant(ctx, assistantID)
	require.NoError(t, err)
	require.NotNil(t, a.LastError)
	require.Equal(t, code, a.LastError.Code)
	require.True(t, strings.HasSuffix(a.LastError.Message, Troubleshooting(code)), a.LastError.Message)
	require.Equal(t, t0, a.LastError.At)
	require.Equal(t, 1, a.Failures)
}
