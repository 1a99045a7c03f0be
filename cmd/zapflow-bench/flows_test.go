package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFlowsEndToEnd(t *testing.T) {
	f, srv := newFakeFlowServer(t, nil)
	var stdout, stderr bytes.Buffer
	args := flowArgs(srv, "-senders", "4", "-pid", "0")
	code := run(context.Background(), args, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	res := decodeFlowsResult(t, stdout.String())

	require.Equal(t, 200, res.N)
	require.Equal(t, 200, res.Acknowledged)
	require.Equal(t, 200, res.SandboxSent)
	require.Zero(t, res.Missing+res.SandboxDuplicates+res.WrongSender)
	require.Equal(t, 200, res.RunsCompleted)
	require.Zero(t, res.RunsFailed+res.DuplicateRuns+res.ShortRuns)
	require.Equal(t, 4000, res.ConfiguredPerS)
	require.Equal(t, int64(fakeFlowID), res.FlowID)
	require.Equal(t, 200, res.TriggerToSendMs.Count)
	// The fake sends 5ms after a webhook arrives: no reply can look faster.
	require.GreaterOrEqual(t, res.TriggerToSendMs.P50, 5.0)
	require.Greater(t, res.FlowsPerS, 0.0)
	require.Greater(t, res.IntakePerS, 0.0)
	require.Len(t, res.PerSender, 4)
	for _, s := range res.PerSender {
		require.Equal(t, 50, s.Sends, "round-robin over the four numbers: %+v", s)
	}
	require.Contains(t, stderr.String(), "flows/s")

	f.mu.Lock()
	defer f.mu.Unlock()
	require.Zero(t, f.badSig)
	require.Equal(t, 200, f.webhooks)
	require.Len(t, f.customers, 200, "every webhook from its own customer")
	require.Len(t, f.byPhone, 4)
	for phone, n := range f.byPhone {
		require.Equal(t, 50, n, phone)
	}
	// Two numbers were added to the sandbox and registered, all four set to 1000/s.
	require.Len(t, f.senders, 4)
	require.True(t, f.sandboxNum["100000000000013"] && f.sandboxNum["100000000000014"])
	for _, s := range f.senders {
		require.Equal(t, 1000, f.rate[s.ID], "rate_limit of sender %d", s.ID)
		require.Equal(t, 1000, f.mps[s.PhoneNumberID], "sandbox throughput of %s", s.PhoneNumberID)
	}
	// The flow went in as YAML with its three steps, and is off again.
	require.Equal(t, "application/yaml", f.flowCT)
	for _, want := range []string{"type: whatsapp.message_received", "type: set_variables", "type: branch",
		"type: send_template", "name: appointment_confirmation", `contains "pedido"`} {
		require.Contains(t, f.flowYAML, want)
	}
	require.False(t, f.enabled[fakeFlowID])
	require.Equal(t, 1, f.disabled)
	// Waiting polled the cheap count and read the full list only at the end.
	require.Positive(t, f.countReads)
	require.Equal(t, 1, f.fullReads)
}

func TestFlowsReusesAddedSendersOnRerun(t *testing.T) {
	f, srv := newFakeFlowServer(t, nil)
	for range 2 {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), flowArgs(srv, "-senders", "3", "-n", "30"), &stdout, &stderr)
		require.Equal(t, 0, code, stderr.String())
		require.Equal(t, 30, decodeFlowsResult(t, stdout.String()).SandboxSent)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.senders, 3, "the second run must not register the extra number again")
	require.Equal(t, 60, f.webhooks)
	require.Len(t, f.customers, 60, "a rerun writes from new customers")
}

func TestFlowsWithoutSentCount(t *testing.T) {
	f, srv := newFakeFlowServer(t, func(f *fakeFlowServer) { f.noCount = true })
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), flowArgs(srv, "-n", "40"), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	require.Equal(t, 40, decodeFlowsResult(t, stdout.String()).SandboxSent)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Zero(t, f.countReads)
	require.Positive(t, f.fullReads)
}

func TestFlowsDetectsLoss(t *testing.T) {
	cases := []struct {
		name  string
		setup func(*fakeFlowServer)
		why   string
		check func(t *testing.T, r flowsResult)
	}{
		{"acknowledged but never sent", func(f *fakeFlowServer) { f.dropEvery = 10 }, "never became a send",
			func(t *testing.T, r flowsResult) {
				require.Equal(t, 200, r.Acknowledged)
				require.Equal(t, 20, r.Missing)
				require.Equal(t, 180, r.SandboxSent)
				require.True(t, r.WaitTimedOut)
				require.Equal(t, 180, r.RunsCompleted)
			}},
		{"sent twice", func(f *fakeFlowServer) { f.dupEvery = 50 }, "4 duplicate sends",
			func(t *testing.T, r flowsResult) {
				require.Equal(t, 200, r.SandboxSent)
				require.Equal(t, 4, r.SandboxDuplicates)
				require.Equal(t, 4, r.DuplicateRuns)
				require.Equal(t, 200, r.TriggerToSendMs.Count, "latency counts each customer's first send once")
			}},
		{"runs failed", func(f *fakeFlowServer) { f.failEvery = 25 }, "never became a send",
			func(t *testing.T, r flowsResult) {
				require.Equal(t, 8, r.RunsFailed)
				require.Equal(t, map[string]int{"template_paused": 8}, r.RunErrors)
				require.Equal(t, 192, r.RunsCompleted)
				require.Equal(t, 8, r.Missing)
			}},
		{"replied from another number", func(f *fakeFlowServer) { f.wrongFrom = 40 }, "from another number",
			func(t *testing.T, r flowsResult) {
				require.Equal(t, 5, r.WrongSender)
				require.Equal(t, 200, r.SandboxSent)
				sends := 0
				for _, s := range r.PerSender {
					sends += s.Sends
				}
				require.Equal(t, 195, sends, "sends from a number not under test are not any sender's")
			}},
		{"wrong signature", func(f *fakeFlowServer) { f.secret = "another-secret" }, "0/200 webhooks acknowledged",
			func(t *testing.T, r flowsResult) {
				require.Zero(t, r.Acknowledged)
				require.Equal(t, int64(200), r.Non200[http.StatusUnauthorized])
				require.NotEmpty(t, r.ErrorSamples)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := newFakeFlowServer(t, tc.setup)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), flowArgs(srv, "-wait", "500ms"), &stdout, &stderr)
			require.Equal(t, 1, code, stderr.String())
			require.Contains(t, stderr.String(), "FAILED: ")
			require.Contains(t, stderr.String(), tc.why)
			tc.check(t, decodeFlowsResult(t, stdout.String()))
		})
	}
}

// Runs are checked even when every send arrived (a later step could have
// failed), and each kind of loss names itself.
func TestFlowsLostReasons(t *testing.T) {
	ok := flowsResult{N: 10, Acknowledged: 10, SandboxSent: 10, RunsCompleted: 10}
	require.Empty(t, ok.lost())
	for _, tc := range []struct {
		mutate func(*flowsResult)
		want   string
	}{
		{func(r *flowsResult) { r.RunsFailed = 1; r.RunsCompleted = 9 }, "1 runs failed"},
		{func(r *flowsResult) { r.RunsCompleted = 7 }, "only 7/10 runs completed"},
		{func(r *flowsResult) { r.ShortRuns = 2 }, "2 completed runs recorded fewer than 3 steps"},
		{func(r *flowsResult) { r.RunsError = "GET /api/v1/runs: 500" }, "could not read the runs"},
		{func(r *flowsResult) { r.DuplicateRuns = 1 }, "1 duplicate runs"},
		{func(r *flowsResult) { r.Acknowledged, r.SandboxSent, r.RunsCompleted = 9, 9, 9 }, "9/10 webhooks acknowledged"},
	} {
		r := ok
		tc.mutate(&r)
		require.Contains(t, r.lost(), tc.want)
	}
}

func TestMatchSendsPerCustomer(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	const a, b = "100000000000011", "100000000000012"
	// Four customers who wrote 1s apart, alternating numbers; the sandbox
	// answered them out of order, with latencies 4s, 3s, 2s and 1s, plus a
	// duplicate and a customer never answered.
	posts := []inboundPost{
		{start: t0, phoneID: a}, {start: t0.Add(time.Second), phoneID: b},
		{start: t0.Add(2 * time.Second), phoneID: a}, {start: t0.Add(3 * time.Second), phoneID: b},
		{start: t0.Add(4 * time.Second), phoneID: a},
	}
	customers := map[string]int{"c0": 0, "c1": 1, "c2": 2, "c3": 3, "c4": 4}
	ours := []sandboxSent{
		{PhoneNumberID: b, WaID: "c3", Time: t0.Add(4 * time.Second)},
		{PhoneNumberID: a, WaID: "c2", Time: t0.Add(4 * time.Second)},
		{PhoneNumberID: b, WaID: "c1", Time: t0.Add(4 * time.Second)},
		{PhoneNumberID: a, WaID: "c0", Time: t0.Add(4 * time.Second)},
		{PhoneNumberID: a, WaID: "c0", Time: t0.Add(9 * time.Second)}, // duplicate: ignored for latency
	}
	senders := []apiSender{{ID: 1, PhoneNumberID: a}, {ID: 2, PhoneNumberID: b}}
	res := &flowsResult{RatePerSender: 1000}
	matchSends(res, ours, posts, customers, senders, t0)

	require.Equal(t, 4, res.SandboxSent)
	require.Equal(t, 1, res.Missing)
	require.Equal(t, 1, res.SandboxDuplicates)
	require.Zero(t, res.WrongSender)
	l := res.TriggerToSendMs
	require.Equal(t, 4, l.Count)
	require.InDelta(t, 4000, l.Max, 0.001, "c0 wrote at t0 and was answered at t0+4s")
	require.InDelta(t, 2000, l.P50, 0.001)
	require.InDelta(t, 2500, l.Mean, 0.001)
	require.InDelta(t, 1.0, res.FlowsPerS, 0.001, "4 flows between the first POST and the last first-send 4s later")
	require.InDelta(t, 4.0, res.E2ES, 0.001)
	require.Equal(t, 2, res.PerSender[0].Sends)
	require.Equal(t, 2, res.PerSender[1].Sends)

	// A reply from the other number than the customer wrote to is caught.
	res = &flowsResult{}
	matchSends(res, []sandboxSent{{PhoneNumberID: a, WaID: "c1", Time: t0.Add(time.Hour)}}, posts, customers, senders, t0)
	require.Equal(t, 1, res.WrongSender)
}

func TestFetchOursSkipsOtherTraffic(t *testing.T) {
	t0 := time.Now().Truncate(time.Millisecond)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeFlowJSON(w, http.StatusOK, []sandboxSent{
			{PhoneNumberID: "1", WaID: "5511900000001", Time: t0.Add(-time.Minute)}, // an earlier run's reply
			{PhoneNumberID: "1", WaID: "5511900000001", Time: t0.Add(time.Second)},
			{PhoneNumberID: "1", WaID: "5511988887777", Time: t0.Add(time.Second)}, // someone else
			{PhoneNumberID: "2", WaID: "5511900000002", Time: t0.Add(2 * time.Second)},
			{PhoneNumberID: "2", WaID: "5511900000002", Time: t0.Add(3 * time.Second)},
		})
	}))
	defer srv.Close()
	c := &apiClient{base: srv.URL, http: srv.Client()}
	ours, distinct, err := fetchOurs(context.Background(), c, map[string]int{"5511900000001": 0, "5511900000002": 1}, t0)
	require.NoError(t, err)
	require.Len(t, ours, 3)
	require.Equal(t, 2, distinct)
}

func TestCustomerWaIDMatchesPayload(t *testing.T) {
	pc := &payloadConfig{Secret: []byte("s"), WABA: "1", PhoneIDs: []string{"11", "12"}, Customers: maxCustomers, Batch: 1, RunID: "r"}
	for _, seq := range []uint64{0, 7, maxCustomers - 1, maxCustomers + 3} {
		body := string(appendPayload(nil, pc, seq, 0))
		want := customerWaID(seq, 0)
		require.Contains(t, body, `"from":"`+want+`"`, "seq %d", seq)
		require.Len(t, want, 13)
		require.True(t, strings.HasPrefix(want, "55119"), want)
	}
	require.Equal(t, customerWaID(0, maxCustomers+3), customerWaID(3, 0), "wraps within the valid range")
}

func TestFlowsCLIValidation(t *testing.T) {
	for _, args := range [][]string{
		{"flows"}, // no -key
		{"flows", "-key", "k", "-n", "0"},
		{"flows", "-key", "k", "-rate", "1001"},
		{"flows", "-key", "k", "-senders", "0"},
		{"flows", "-key", "k", "-concurrency", "0"},
		{"flows", "-key", "k", "-pace", "-1"},
		{"flows", "-key", "k", "-url", "ftp://x"},
		{"flows", "-key", "k", "extra"},
		{"flows", "-nope"},
	} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 2, run(context.Background(), args, &stdout, &stderr), "%q", args)
		require.NotEmpty(t, stderr.String(), "%q", args)
	}
}

func TestFlowsSamplesServerMemory(t *testing.T) {
	f, srv := newFakeFlowServer(t, nil)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), flowArgs(srv, "-n", "20", "-pid", "1"+strings.Repeat("0", 9)), &stdout, &stderr)
	require.Equal(t, 1, code, "a pid that does not exist fails before any load")
	require.Contains(t, stderr.String(), "server pid")
	f.mu.Lock()
	require.Zero(t, f.webhooks)
	require.Empty(t, f.flowYAML, "nothing is set up for a run that cannot measure")
	f.mu.Unlock()

	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), flowArgs(srv, "-n", "20", "-pace", "200", "-pid", strconv.Itoa(os.Getpid())), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	res := decodeFlowsResult(t, stdout.String())
	require.Positive(t, res.PeakRSSMiB)
	require.Positive(t, res.Cores)
	// 20 webhooks paced at 200/s take at least 95ms from the first to the last.
	require.GreaterOrEqual(t, res.IntakeS, 0.095)
}
