package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// fakeClock is the flows' injected clock: real time plus an offset the
// test moves forward.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// startOn runs a zapflow on an existing data dir / database (so a test can
// stop it and start another on the same data) with the flows' clock
// injected. It returns the env and a stop function that waits for a clean
// shutdown.
func startOn(t *testing.T, d store.Dialect, dataDir, pgURL string, clock *fakeClock) (*restartEnv, func()) {
	t.Helper()
	env := map[string]string{"ZAPFLOW_ADDR": "127.0.0.1:0", "ZAPFLOW_DATA_DIR": dataDir, "ZAPFLOW_LOG_LEVEL": "error", "ZAPFLOW_SANDBOX": "true"}
	if d == store.Postgres {
		env["ZAPFLOW_DATABASE_URL"] = pgURL
	}
	cfg, err := config.Parse(func(k string) string { return env[k] }, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	a.Flows.SetClock(clock.Now)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	key := apptest.AdminKey(t, a)
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Fatalf("zapflow did not stop within 30s")
		}
	}
	t.Cleanup(stop)
	return &restartEnv{App: a, url: a.PublicURL(), key: key, t: t}, stop
}

// restartEnv is an apptest-like handle on an app startOn started.
type restartEnv struct {
	App *app.App
	url string
	key string
	t   *testing.T
}

func (e *restartEnv) Do(method, path string, body any, out any) int {
	e.t.Helper()
	var raw []byte
	status, raw, err := postAs(e.url, e.key, method, path, body)
	require.NoError(e.t, err)
	if out != nil && len(raw) > 0 {
		require.NoError(e.t, json.Unmarshal(raw, out), "body: %s", raw)
	}
	return status
}

func (e *restartEnv) Count(query string, args ...any) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.App.DB.Read().QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// postAs calls the API of the server at url with key.
func postAs(url, key, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// waitSynced waits for the sandbox's templates to be synced.
func waitSynced(t *testing.T, env apiEnv) {
	t.Helper()
	waitUntil(t, func() bool { return env.Count(`SELECT COUNT(*) FROM templates`) > 0 }, "templates synced")
}

// F16: a run waiting in a 1-hour delay survives a restart and completes
// once when the hour has passed (injected clock). River's scheduler runs
// on wall time, so the test makes the wake-up job due by moving its
// scheduled_at back; a wake-up that comes before the run's own clock says
// it is time is snoozed, not applied.
func TestFlowDelaySurvivesRestart(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			dataDir, pgURL := t.TempDir(), ""
			if d == store.Postgres {
				pgURL = storetest.URL(t)
			}
			clock := &fakeClock{}
			env, stop := startOn(t, d, dataDir, pgURL, clock)
			waitSynced(t, env)
			def := map[string]any{"name": "reminder", "enabled": true,
				"trigger": map[string]any{"type": "event", "event": "booked"},
				"steps": []any{
					map[string]any{"id": "wait", "type": "delay", "duration": "1h"},
					map[string]any{"id": "remind", "type": "send_template", "sender": phone1, "to": "{{trigger.customer_phone}}",
						"template":  map[string]any{"name": "appointment_confirmation", "language": "pt_BR"},
						"variables": map[string]string{"1": "{{trigger.customer_name}}", "2": "Dra. Beatriz", "3": "{{trigger.when}}", "4": "{{trigger.where | default(\"Av. Paulista, 1000\")}}"}},
				}}
			createFlow(t, env, def)
			var res flow.EventResult
			require.Equal(t, http.StatusAccepted, env.Do(http.MethodPost, "/api/v1/events", map[string]any{"type": "booked",
				"data": map[string]any{"customer_phone": "+5511955554444", "customer_name": "Duda", "when": "12/03 às 14h"}}, &res))
			require.Len(t, res.RunIDs, 1)
			id := res.RunIDs[0]
			run := getRun(t, env, id)
			require.Equal(t, flow.StatusWaiting, run.Status)
			require.Equal(t, flow.WaitDelay, run.WaitingFor)
			require.NotNil(t, run.WaitingUtil)
			require.WithinDuration(t, clock.Now().Add(time.Hour), *run.WaitingUtil, 5*time.Second)

			// The queue fires early (its clock is not ours): nothing happens.
			makeWakeDue(t, env)
			waitUntil(t, func() bool {
				return env.Count(`SELECT COUNT(*) FROM river_job WHERE kind = 'flow.wake' AND attempted_at IS NOT NULL`) >= 1
			}, "the early wake-up job ran")
			time.Sleep(200 * time.Millisecond)
			require.Equal(t, flow.StatusWaiting, getRun(t, env, id).Status)
			stop()

			// Restart an hour later.
			clock.Advance(time.Hour + time.Second)
			env2, _ := startOn(t, d, dataDir, pgURL, clock)
			require.Equal(t, flow.StatusWaiting, getRun(t, env2, id).Status, "the wait survived the restart")
			makeWakeDue(t, env2)
			run = waitRun(t, env2, id, flow.StatusCompleted)
			require.Equal(t, "wait:completed remind:completed ", stepsOf(run))
			time.Sleep(300 * time.Millisecond)
			sent := sentTemplates(env2.App.Sandbox, "appointment_confirmation")
			require.Len(t, sent, 1, "sent once")
			require.Equal(t, []string{"Duda", "Dra. Beatriz", "12/03 às 14h", "Av. Paulista, 1000"}, sent[0].Params)
			require.Equal(t, 1, env2.Count(`SELECT COUNT(*) FROM messages WHERE source LIKE 'flow:%'`))
		})
	}
}

// makeWakeDue moves the flow wake-up jobs' time to now for River, as if
// the wall clock had caught up with the injected one.
func makeWakeDue(t *testing.T, env *restartEnv) {
	t.Helper()
	require.NoError(t, env.App.DB.InTx(context.Background(), func(tx store.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE river_job SET scheduled_at = created_at WHERE kind = 'flow.wake' AND state = 'scheduled'`)
		return err
	}))
}
