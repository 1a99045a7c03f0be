package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/netguard"
)

// recorder is a loopback server that keeps the Authorization header of
// every request it receives and answers an empty JSON list.
type recorder struct {
	*httptest.Server
	mu    sync.Mutex
	auths []string
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		r.auths = append(r.auths, req.Header.Get("Authorization"))
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[],"ok":true}`)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auths...)
}

// callFlow is an event flow whose one step requests url (retried up to
// three times when the failure is retryable).
func callFlow(name, event, url string) map[string]any {
	return map[string]any{
		"name": name, "enabled": true,
		"trigger": map[string]any{"type": "event", "event": event},
		"steps": []any{map[string]any{"id": "call", "type": "http_request", "method": "POST", "url": url,
			"body": map[string]any{"hello": "{{trigger.name}}"}, "retry": map[string]any{"attempts": 3, "wait": "1s"}}},
	}
}

func startCall(t *testing.T, env *apptest.Env, event string, data map[string]any) int64 {
	t.Helper()
	var res flow.EventResult
	require.Equal(t, http.StatusAccepted, env.Do(http.MethodPost, "/api/v1/events", map[string]any{"type": event, "data": data}, &res))
	require.Len(t, res.RunIDs, 1)
	return res.RunIDs[0]
}

// A flow's http_request to the server's network, by address or by a
// templated URL naming a host that resolves to loopback, fails at once
// with destination_not_allowed saying how to allow it; nothing reaches
// the target.
func TestFlowHTTPRequestToInternalAddressRefused(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		target := newRecorder(t)
		port := target.URL[strings.LastIndex(target.URL, ":")+1:]
		createFlow(t, env, callFlow("literal", "lit.call", target.URL+"/hook"))
		createFlow(t, env, callFlow("templated", "tpl.call", "{{trigger.url}}"))
		runs := []int64{
			startCall(t, env, "lit.call", map[string]any{"name": "Ana"}),
			startCall(t, env, "tpl.call", map[string]any{"name": "Ana", "url": "http://localhost:" + port + "/hook"}),
			startCall(t, env, "tpl.call", map[string]any{"name": "Ana", "url": "http://169.254.169.254/latest/meta-data/"}),
			startCall(t, env, "tpl.call", map[string]any{"name": "Ana", "url": env.URL + "/api/v1/senders"}),
		}
		for _, id := range runs {
			run := waitRun(t, env, id, flow.StatusFailed)
			step := run.Steps[len(run.Steps)-1]
			require.NotNil(t, step.Error, stepsOf(run))
			require.Equal(t, netguard.Code, step.Error.Code, stepsOf(run))
			require.Contains(t, step.Error.Message, "is not allowed")
			require.False(t, step.Error.Retryable)
			require.Equal(t, 1, step.Attempts, "a refused destination is not retried")
		}
		require.Contains(t, waitRun(t, env, runs[0], flow.StatusFailed).Steps[0].Error.Message, "ZAPFLOW_OUTBOUND_ALLOW")
		require.Contains(t, waitRun(t, env, runs[1], flow.StatusFailed).Steps[0].Error.Message, "localhost")
		require.Empty(t, target.received(), "the target received nothing")
	})
}

// ZAPFLOW_OUTBOUND_ALLOW opens exactly what it lists.
func TestFlowHTTPRequestAllowedByOutboundAllow(t *testing.T) {
	each(t, []apptest.Option{apptest.AllowOutbound(t, "127.0.0.1")}, func(t *testing.T, env *apptest.Env) {
		target := newRecorder(t)
		createFlow(t, env, callFlow("crm", "crm.call", "{{trigger.url}}"))
		run := waitRun(t, env, startCall(t, env, "crm.call", map[string]any{"name": "Ana", "url": target.URL + "/hook"}), flow.StatusCompleted)
		require.EqualValues(t, 200, run.Steps[0].Output["status"])
		require.Len(t, target.received(), 1)

		port := target.URL[strings.LastIndex(target.URL, ":")+1:]
		run = waitRun(t, env, startCall(t, env, "crm.call", map[string]any{"name": "Ana", "url": "http://[::1]:" + port + "/hook"}), flow.StatusFailed)
		require.Equal(t, netguard.Code, run.Steps[0].Error.Code, "127.0.0.1 is allowed, ::1 is not")
		require.Len(t, target.received(), 1)
	})
}

// Moving an account's graph_url to another host without its access token
// is refused; the old token reaches only the old host, the new host only
// the token given with it. The AI base_url follows the same rule, and an
// internal base_url is refused when saved.
func TestChangedEndpointNeverGetsTheOldSecret(t *testing.T) {
	each(t, []apptest.Option{apptest.AllowOutbound(t, "127.0.0.1")}, func(t *testing.T, env *apptest.Env) {
		old, moved := newRecorder(t), newRecorder(t)
		var acc struct{ ID int64 }
		require.Equal(t, http.StatusCreated, env.Do(http.MethodPost, "/api/v1/accounts", map[string]any{
			"name": "Loja", "waba_id": "777000", "access_token": "tok-old", "app_secret": "s", "verify_token": "v",
			"graph_url": old.URL}, &acc))
		path := "/api/v1/accounts/" + strconv.FormatInt(acc.ID, 10)

		var e errorBody
		require.Equal(t, http.StatusUnprocessableEntity, env.Do(http.MethodPatch, path, map[string]any{"graph_url": moved.URL}, &e))
		require.Equal(t, "secret_required", e.Error.Code)
		require.Equal(t, "access_token", e.Error.Field)
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, path+"/templates/sync", nil, nil))
		require.Contains(t, old.received(), "Bearer tok-old")
		require.Empty(t, moved.received())

		require.Equal(t, http.StatusOK, env.Do(http.MethodPatch, path, map[string]any{"graph_url": moved.URL, "access_token": "tok-new"}, nil))
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, path+"/templates/sync", nil, nil))
		require.NotEmpty(t, moved.received())
		for _, a := range moved.received() {
			require.Equal(t, "Bearer tok-new", a)
		}

		// The AI settings: a key is set for one host, then base_url moves.
		require.Equal(t, http.StatusOK, env.Do(http.MethodPut, "/api/v1/settings/ai", map[string]any{"base_url": old.URL + "/v1", "api_key": "sk-old"}, nil))
		e = errorBody{}
		require.Equal(t, http.StatusUnprocessableEntity, env.Do(http.MethodPut, "/api/v1/settings/ai", map[string]any{"base_url": moved.URL + "/v1"}, &e))
		require.Equal(t, "secret_required", e.Error.Code)
		require.Equal(t, "api_key", e.Error.Field)
		e = errorBody{}
		require.Equal(t, http.StatusUnprocessableEntity, env.Do(http.MethodPut, "/api/v1/settings/ai", map[string]any{"base_url": "http://169.254.169.254/v1", "api_key": "sk-x"}, &e))
		require.Equal(t, netguard.Code, e.Error.Code)
		require.Equal(t, "base_url", e.Error.Field)
		require.Contains(t, e.Error.Message, "ZAPFLOW_OUTBOUND_ALLOW")
	})
}
