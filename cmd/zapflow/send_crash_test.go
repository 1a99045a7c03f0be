package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// TestCrashMidSendNeitherLosesNorDoublesSends: zapflow is killed with
// SIGKILL while it is sending a queue of messages at a paced rate, so
// claims, calls to Meta and unrecorded outcomes are all in flight. After a
// restart every message is sent, and the simulated Cloud API, which runs in
// this test process and so outlives the kill, received each exactly once.
func TestCrashMidSendNeitherLosesNorDoublesSends(t *testing.T) {
	t.Parallel()
	zapflowBinary(t)
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			testCrashMidSend(t, d, false)
		})
	}
}

// TestCrashMidFlowSendsOnce: the same, with every message sent by a flow
// run started by an event (F16): a run's send is queued in the commit that
// makes the step wait for it, and completed in the commit that records the
// send, so after a SIGKILL anywhere each run completes once and each
// customer gets one message.
func TestCrashMidFlowSendsOnce(t *testing.T) {
	t.Parallel()
	zapflowBinary(t)
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			testCrashMidSend(t, d, true)
		})
	}
}

func testCrashMidSend(t *testing.T, d store.Dialect, viaFlow bool) {
	// Meta, outside the process under test.
	// Its webhook retries come quickly, as Meta's first ones do.
	meta := sandbox.New(sandbox.Config{StatusDelay: sandbox.NoStatusDelay, RetryInitial: 50 * time.Millisecond,
		RetryMax: 250 * time.Millisecond, MaxAttempts: 400})
	metaSrv := httptest.NewServer(meta.Handler())
	t.Cleanup(metaSrv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	meta.Start(ctx)
	t.Cleanup(meta.Close)

	env := map[string]string{
		// The restarted server keeps the address: Meta's webhook URL does
		// not change when zapflow restarts.
		"ZAPFLOW_ADDR":      freeAddr(t),
		"ZAPFLOW_DATA_DIR":  t.TempDir(),
		"ZAPFLOW_LOG_LEVEL": "warn",
		"ZAPFLOW_SANDBOX":   "false",
		// A crash leaves claimed sends in doubt for this long: Meta's status
		// webhook, retried until the server is back, confirms those Meta
		// accepted before they could be sent again.
		"ZAPFLOW_SEND_LEASE": "5s",
		// The outside Cloud API listens on loopback, which the outbound
		// guard refuses unless allowed, like a Graph proxy on the LAN.
		"ZAPFLOW_OUTBOUND_ALLOW": "127.0.0.1",
	}
	if d == store.Postgres {
		env["ZAPFLOW_DATABASE_URL"] = storetest.URL(t)
	}
	first := startBinary(t, env)
	key := regexp.MustCompile(`zf_[A-Za-z0-9_-]+`).FindString(first.stdout.String())
	require.NotEmpty(t, key, "the first start prints an API key:\n%s", first.stdout)
	api := &apiClient{t: t, key: key}

	// The account and its two senders, on the outside Cloud API.
	var acc struct{ ID int64 }
	api.do(first.url, "POST", "/api/v1/accounts", map[string]any{
		"name": "Loja", "waba_id": sandbox.DefaultWABAID, "access_token": meta.Config().AccessToken,
		"app_secret": meta.Config().AppSecret, "verify_token": meta.Config().VerifyToken,
		"graph_url": metaSrv.URL + "/sandbox/graph",
	}, http.StatusCreated, &acc)
	meta.SetWebhookURL(first.url + "/webhooks/whatsapp/" + strconv.FormatInt(acc.ID, 10))
	senders := make([]int64, 0, len(sandboxPhoneIDs))
	for _, pid := range sandboxPhoneIDs {
		var s struct{ ID int64 }
		api.do(first.url, "POST", "/api/v1/accounts/"+strconv.FormatInt(acc.ID, 10)+"/senders", map[string]any{"phone_number_id": pid}, http.StatusCreated, &s)
		// Paced, so the kill lands with sends queued, claimed and in flight.
		api.do(first.url, "PATCH", "/api/v1/senders/"+strconv.FormatInt(s.ID, 10), map[string]any{"rate_limit": 20}, http.StatusOK, nil)
		senders = append(senders, s.ID)
	}
	api.do(first.url, "POST", "/api/v1/accounts/"+strconv.FormatInt(acc.ID, 10)+"/templates/sync", nil, http.StatusOK, nil)

	total := 240
	if viaFlow {
		// One sender at 20/s: 160 runs take 8 seconds to send.
		total = 160
		api.do(first.url, "POST", "/api/v1/flows", map[string]any{
			"name": "receipt", "enabled": true,
			"trigger": map[string]any{"type": "event", "event": "order.paid"},
			"steps": []any{map[string]any{"id": "receipt", "type": "send_template", "sender": sandboxPhoneIDs[0],
				"to": "{{trigger.customer_phone}}", "template": map[string]any{"name": "appointment_confirmation", "language": "pt_BR"},
				"variables": map[string]string{"1": "{{trigger.name}}", "2": "Dra. Beatriz", "3": "12/03 às 14h", "4": "Av. Paulista, 1000"}}},
		}, http.StatusCreated, nil)
	}
	ids := make(map[string]int64, total) // wa_id -> message id, or run id via a flow
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < total; i += 8 {
				to := "+55119" + fmt.Sprintf("%08d", 70000000+i)
				var id int64
				if viaFlow {
					var res struct {
						RunIDs []int64 `json:"run_ids"`
					}
					api.do(first.url, "POST", "/api/v1/events", map[string]any{"type": "order.paid", "idempotency_key": "order-" + strconv.Itoa(i),
						"data": map[string]any{"customer_phone": to, "name": "Ana"}}, http.StatusAccepted, &res)
					require.Len(t, res.RunIDs, 1)
					id = res.RunIDs[0]
				} else {
					var m struct{ ID int64 }
					api.do(first.url, "POST", "/api/v1/messages", map[string]any{
						"type": "template", "sender": senders[i%len(senders)], "to": to,
						"template":  map[string]any{"name": "appointment_confirmation", "language": "pt_BR"},
						"variables": map[string]string{"1": "Ana", "2": "Dra. Beatriz", "3": "12/03 às 14h", "4": "Av. Paulista, 1000"},
					}, http.StatusAccepted, &m)
					id = m.ID
				}
				mu.Lock()
				ids[to[1:]] = id
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	// Kill once about a third has reached Meta.
	deadline := time.Now().Add(30 * time.Second)
	for len(meta.Sent()) < total/3 {
		require.True(t, time.Now().Before(deadline), "sends did not start: %d reached the sandbox", len(meta.Sent()))
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, first.cmd.Process.Kill())
	<-first.done
	atKill := len(meta.Sent())
	require.Less(t, atKill, total, "the kill came after everything was sent: nothing was tested")
	if ws, ok := first.cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "zapflow should have died of SIGKILL")
	}

	second := startBinary(t, env)
	// sentAs is the wamid zapflow recorded for a message, or for a run's
	// send step ("" while not sent).
	sentAs := func(id int64) string {
		if !viaFlow {
			var m struct{ Status, WAMID string }
			api.do(second.url, "GET", "/api/v1/messages/"+strconv.FormatInt(id, 10), nil, http.StatusOK, &m)
			require.NotEqual(t, "failed", m.Status, "message %d", id)
			return m.WAMID
		}
		var r struct {
			Status string
			Steps  []struct {
				Step   string
				Output map[string]any
			}
		}
		api.do(second.url, "GET", "/api/v1/runs/"+strconv.FormatInt(id, 10), nil, http.StatusOK, &r)
		require.Contains(t, []string{"running", "waiting", "completed"}, r.Status, "run %d", id)
		if r.Status != "completed" {
			return ""
		}
		require.Len(t, r.Steps, 1, "run %d: one step, run once", id)
		wamid, _ := r.Steps[0].Output["wamid"].(string)
		return wamid
	}
	// Every message ends sent (its wamid recorded), none failed.
	deadline = time.Now().Add(60 * time.Second)
	for {
		left := 0
		for _, id := range ids {
			if sentAs(id) == "" {
				left++
			}
		}
		if left == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d of %d messages still not sent 60s after the restart", left, total)
		time.Sleep(200 * time.Millisecond)
	}

	// Meta's record: each recipient exactly once, and the wamid zapflow
	// recorded is the one Meta issued.
	sent := meta.Sent()
	byWAID := map[string][]string{}
	for _, s := range sent {
		byWAID[s.WaID] = append(byWAID[s.WaID], s.WAMID)
	}
	for waID, id := range ids {
		require.Len(t, byWAID[waID], 1, "sends Meta received for %s", waID)
		require.Equal(t, byWAID[waID][0], sentAs(id), "message or run %d", id)
	}
	require.Len(t, sent, total, "Meta received nothing else")
	t.Logf("%s: killed with %d of %d at Meta; all %d sent exactly once after the restart", d, atKill, total, total)
}

// apiClient calls zapflow's REST API with a key.
type apiClient struct {
	t   *testing.T
	key string
}

func (c *apiClient) do(base, method, path string, body any, want int, out any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, r)
	require.NoError(c.t, err)
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	require.Equal(c.t, want, resp.StatusCode, "%s %s: %s", method, path, raw)
	if out != nil {
		require.NoError(c.t, json.Unmarshal(raw, out), "%s", raw)
	}
}
