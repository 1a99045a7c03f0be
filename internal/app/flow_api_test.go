package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/flow"
)

// rawCall sends body as is with a content type and returns status and body.
func rawCall(t *testing.T, env *apptest.Env, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+env.APIKey)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw
}

// The flows API: YAML in, validation errors with their field, export and
// import round-trip, F17 test run to one recipient, cancel.
func TestFlowAPI(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		bad := []byte("name: bad\ntrigger: {type: event, event: e}\nsteps:\n  - {id: s, type: send_template, sender: '1', to: '{{trigger.p}}', template: {name: '', language: pt_BR}}\n")
		status, raw := rawCall(t, env, http.MethodPost, "/api/v1/flows", "application/yaml", bad)
		require.Equal(t, http.StatusUnprocessableEntity, status, "%s", raw)
		require.Contains(t, string(raw), `"field":"steps[0].template.name"`)

		file := flow.Examples()["appointment_reminder.yaml"]
		status, raw = rawCall(t, env, http.MethodPost, "/api/v1/flows/import", "application/yaml", file)
		require.Equal(t, http.StatusConflict, status, "the sandbox installed it already: %s", raw)
		status, raw = rawCall(t, env, http.MethodPost, "/api/v1/flows/import?replace=true", "application/yaml", file)
		require.Equal(t, http.StatusCreated, status, "%s", raw)
		var rec flow.Record
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/flows", nil, nil))
		var list struct{ Flows []flow.Record }
		env.Do(http.MethodGet, "/api/v1/flows", nil, &list)
		for _, f := range list.Flows {
			if f.Name == "Appointment reminder" {
				rec = f
			}
		}
		require.Equal(t, 2, rec.Version)
		id := strconv.FormatInt(rec.ID, 10)
		status, raw = rawCall(t, env, http.MethodGet, "/api/v1/flows/"+id+"/export", "", nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, string(file), string(raw), "export gives back the imported file")

		// Test run: the delay's time is past (skip), so use a flow that sends at once.
		status, raw = rawCall(t, env, http.MethodPost, "/api/v1/flows", "application/json", []byte(`{"name":"hello","enabled":false,
			"trigger":{"type":"whatsapp.message_received"},
			"steps":[{"id":"hi","type":"send_template","to":"+5511900000000","template":{"name":"hello_world","language":"en_US"}},
			         {"id":"wait","type":"delay","duration":"1h"}]}`))
		require.Equal(t, http.StatusCreated, status, "%s", raw)
		var hello flow.Record
		require.NoError(t, jsonUnmarshal(raw, &hello))
		var run flow.Run
		require.Equal(t, http.StatusAccepted, env.Do(http.MethodPost, "/api/v1/flows/"+strconv.FormatInt(hello.ID, 10)+"/test",
			map[string]any{"to": "+5511933332222", "sender": phone1, "trigger": map[string]any{"message": "oi"}}, &run))
		require.True(t, run.Test)
		waitUntil(t, func() bool { run = getRun(t, env, run.ID); return run.WaitingFor == flow.WaitDelay }, "test run sent and waits")
		require.Equal(t, "test_recipient", run.Steps[0].Warnings[0].Code)
		sent := sentTemplates(env.App.Sandbox, "hello_world")
		require.Len(t, sent, 1)
		require.Equal(t, "5511933332222", sent[0].WaID, "sent to the test recipient only")

		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/runs/"+strconv.FormatInt(run.ID, 10)+"/cancel", nil, &run))
		require.Equal(t, flow.StatusCancelled, run.Status)
		var e errorBody
		require.Equal(t, http.StatusConflict, env.Do(http.MethodPost, "/api/v1/runs/"+strconv.FormatInt(run.ID, 10)+"/cancel", nil, &e))
		require.Equal(t, "run_finished", e.Error.Code)
	})
}

func jsonUnmarshal(raw []byte, v any) error { return json.Unmarshal(raw, v) }
