package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// TestCrashMidCampaignSendsEachOnce: zapflow is killed with SIGKILL while
// a campaign releases its recipients at a paced rate. A recipient's
// message is queued in the commit that marks it sent, so after the
// restart (the sweep gives the campaign a new runner once the dead one's
// lease ran out) the campaign completes and the simulated Cloud API,
// which outlives the kill, received each recipient exactly once.
func TestCrashMidCampaignSendsEachOnce(t *testing.T) {
	t.Parallel()
	zapflowBinary(t)
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			testCrashMidCampaign(t, d)
		})
	}
}

func testCrashMidCampaign(t *testing.T, d store.Dialect) {
	meta := sandbox.New(sandbox.Config{StatusDelay: sandbox.NoStatusDelay, RetryInitial: 50 * time.Millisecond,
		RetryMax: 250 * time.Millisecond, MaxAttempts: 400})
	metaSrv := httptest.NewServer(meta.Handler())
	t.Cleanup(metaSrv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	meta.Start(ctx)
	t.Cleanup(meta.Close)

	env := map[string]string{
		"ZAPFLOW_ADDR":           freeAddr(t),
		"ZAPFLOW_DATA_DIR":       t.TempDir(),
		"ZAPFLOW_LOG_LEVEL":      "warn",
		"ZAPFLOW_SANDBOX":        "false",
		"ZAPFLOW_SEND_LEASE":     "5s",
		"ZAPFLOW_OUTBOUND_ALLOW": "127.0.0.1",
	}
	if d == store.Postgres {
		env["ZAPFLOW_DATABASE_URL"] = storetest.URL(t)
	}
	first := startBinary(t, env)
	key := regexp.MustCompile(`zf_[A-Za-z0-9_-]+`).FindString(first.stdout.String())
	require.NotEmpty(t, key, "the first start prints an API key:\n%s", first.stdout)
	api := &apiClient{t: t, key: key}

	var acc struct{ ID int64 }
	api.do(first.url, "POST", "/api/v1/accounts", map[string]any{
		"name": "Loja", "waba_id": sandbox.DefaultWABAID, "access_token": meta.Config().AccessToken,
		"app_secret": meta.Config().AppSecret, "verify_token": meta.Config().VerifyToken,
		"graph_url": metaSrv.URL + "/sandbox/graph",
	}, http.StatusCreated, &acc)
	meta.SetWebhookURL(first.url + "/webhooks/whatsapp/" + strconv.FormatInt(acc.ID, 10))
	var s struct{ ID int64 }
	api.do(first.url, "POST", "/api/v1/accounts/"+strconv.FormatInt(acc.ID, 10)+"/senders", map[string]any{"phone_number_id": sandboxPhoneIDs[0]}, http.StatusCreated, &s)
	// 20/s, of which campaigns take 80%: 160 recipients take 10 seconds.
	api.do(first.url, "PATCH", "/api/v1/senders/"+strconv.FormatInt(s.ID, 10), map[string]any{"rate_limit": 20}, http.StatusOK, nil)
	api.do(first.url, "POST", "/api/v1/accounts/"+strconv.FormatInt(acc.ID, 10)+"/templates/sync", nil, http.StatusOK, nil)

	var c struct{ ID int64 }
	api.do(first.url, "POST", "/api/v1/campaigns", map[string]any{
		"name": "Lembretes", "sender_ids": []int64{s.ID}, "template": map[string]any{"name": "appointment_confirmation", "language": "pt_BR"},
		"mapping": map[string]any{"1": map[string]string{"from": "csv.nome", "default": "cliente"}, "2": map[string]string{"from": "text:Dra. Beatriz"},
			"3": map[string]string{"from": "text:12/03 às 14h"}, "4": map[string]string{"from": "text:Av. Paulista, 1000"}},
		"audience": map[string]any{"kind": "csv"},
	}, http.StatusCreated, &c)
	base := "/api/v1/campaigns/" + strconv.FormatInt(c.ID, 10)
	const total = 160
	var csv strings.Builder
	csv.WriteString("phone,nome\n")
	want := map[string]bool{}
	for i := range total {
		to := "+55119" + fmt.Sprintf("%08d", 80000000+i)
		want[to[1:]] = true
		fmt.Fprintf(&csv, "%s,Cliente %d\n", to, i)
	}
	req, err := http.NewRequest("PUT", first.url+base+"/audience/csv", strings.NewReader(csv.String()))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	api.do(first.url, "POST", base+"/test", map[string]string{"to": "+5511999990000"}, http.StatusOK, nil)
	api.do(first.url, "POST", base+"/start", nil, http.StatusOK, nil)

	// Kill once about a third has reached Meta (plus the test send).
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
	deadline = time.Now().Add(90 * time.Second)
	for {
		var got struct {
			Status   string
			Progress struct{ Queued, Sent, Failed int }
		}
		api.do(second.url, "GET", base, nil, http.StatusOK, &got)
		if got.Status == "completed" && len(meta.Sent()) >= total+1 {
			require.Equal(t, total, got.Progress.Sent)
			require.Zero(t, got.Progress.Failed)
			break
		}
		require.True(t, time.Now().Before(deadline), "campaign still %s 90s after the restart (%d at Meta)", got.Status, len(meta.Sent()))
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	byWAID := map[string]int{}
	for _, m := range meta.Sent() {
		byWAID[m.WaID]++
	}
	for waID := range want {
		require.Equal(t, 1, byWAID[waID], "sends Meta received for %s", waID)
	}
	require.Equal(t, 1, byWAID["5511999990000"], "the test send")
	require.Len(t, meta.Sent(), total+1, "Meta received nothing else")
	t.Logf("%s: killed with %d of %d at Meta; all %d sent exactly once after the restart", d, atKill, total+1, total)
}
