package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeZapflow stands in for the parts of zapflow and its sandbox that
// `send` talks to. Every accepted message is "sent" at once with
// deterministic times: sender k's j-th send at start + j/rate, and
// sent_at − created_at = id ms, so the report's math can be checked exactly.
// start is sendsLag after the first send request arrives, so the span from
// the first 202 to the last send has bounds no scheduling can break.
type fakeZapflow struct {
	t       testing.TB
	key     string
	failIDs map[int64]bool // these messages end failed (131026) and never reach the sandbox
	fail500 int            // answer 500 to every fail500-th POST

	mu         sync.Mutex
	rate       map[int64]int  // sender id -> rate_limit
	mps        map[string]int // phone_number_id -> sandbox throughput
	posts      int
	nextID     int64
	msgs       map[int64]map[string]any
	sent       []map[string]any // GET /sandbox/api/sent
	perSender  map[string]int
	recipients map[string]bool
	start      time.Time
	badBodies  int
}

var fakeSenders = []apiSender{
	{ID: 2, PhoneNumberID: "100000000000012", Status: "CONNECTED", Online: true, RateLimit: 80},
	{ID: 1, PhoneNumberID: "100000000000011", Status: "CONNECTED", Online: true, RateLimit: 80},
	{ID: 3, PhoneNumberID: "100000000000013", Status: "CONNECTED", Online: true, RateLimit: 80},
}

func newFakeZapflow(t testing.TB) (*fakeZapflow, *httptest.Server) {
	f := &fakeZapflow{
		t: t, key: "zf_test", failIDs: map[int64]bool{},
		rate: map[int64]int{}, mps: map[string]int{}, msgs: map[int64]map[string]any{},
		perSender: map[string]int{}, recipients: map[string]bool{},
		// Pre-existing traffic the benchmark must not count as its own.
		sent: []map[string]any{{"phone_number_id": "100000000000011", "wa_id": "5511988887777", "time": time.Now().Add(-time.Hour)}},
	}
	mux := http.NewServeMux()
	api := func(pattern string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+f.key {
				http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
				return
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			h(w, r)
		})
	}
	api("GET /api/v1/senders", func(w http.ResponseWriter, _ *http.Request) {
		writeTestJSON(w, http.StatusOK, map[string]any{"senders": fakeSenders})
	})
	api("PATCH /api/v1/senders/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		var in struct {
			RateLimit int `json:"rate_limit"`
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&in))
		f.rate[id] = in.RateLimit
		writeTestJSON(w, http.StatusOK, map[string]any{"id": id, "rate_limit": in.RateLimit})
	})
	api("POST /api/v1/messages", f.postMessage)
	api("GET /api/v1/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		m, ok := f.msgs[id]
		if !ok {
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		}
		writeTestJSON(w, http.StatusOK, m)
	})
	// The sandbox control API has no auth.
	mux.HandleFunc("POST /sandbox/api/senders/{id}/throughput", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			MPS int `json:"mps"`
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&in))
		f.mu.Lock()
		f.mps[r.PathValue("id")] = in.MPS
		f.mu.Unlock()
		writeTestJSON(w, http.StatusOK, map[string]bool{"success": true})
	})
	mux.HandleFunc("GET /sandbox/api/sent", func(w http.ResponseWriter, _ *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		writeTestJSON(w, http.StatusOK, f.sent)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

func writeTestJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeZapflow) postMessage(w http.ResponseWriter, r *http.Request) {
	f.posts++
	if f.fail500 > 0 && f.posts%f.fail500 == 0 {
		http.Error(w, `{"error":"boom"}`, http.StatusInternalServerError)
		return
	}
	var in struct {
		Type     string `json:"type"`
		Sender   string `json:"sender"`
		To       string `json:"to"`
		Template struct {
			Name     string `json:"name"`
			Language string `json:"language"`
		} `json:"template"`
		Variables map[string]string `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Type != "template" ||
		in.Template.Name != "appointment_confirmation" || in.Template.Language != "pt_BR" ||
		len(in.Variables) != 4 || in.Variables["1"] != "Ana" ||
		len(in.To) != 14 || !strings.HasPrefix(in.To, "+55119") {
		f.badBodies++
		http.Error(w, `{"error":"bad body"}`, http.StatusBadRequest)
		return
	}
	rate := f.mps[in.Sender]
	if rate == 0 || f.rate[senderIDOf(in.Sender)] != rate {
		f.badBodies++ // sending before the rates were set, or to an unused sender
		http.Error(w, `{"error":"rate not set"}`, http.StatusBadRequest)
		return
	}
	if f.start.IsZero() {
		f.start = time.Now().Add(sendsLag).Truncate(time.Millisecond)
	}
	f.nextID++
	id := f.nextID
	f.recipients[in.To] = true
	created := time.UnixMilli(1_700_000_000_000 + id*10).UTC()
	m := map[string]any{"id": id, "status": "queued", "created_at": created, "type": "template"}
	if f.failIDs[id] {
		m["status"], m["error_code"], m["failed_at"] = "failed", "131026", created
	} else {
		k := f.perSender[in.Sender]
		f.perSender[in.Sender]++
		at := f.start.Add(time.Duration(k) * time.Second / time.Duration(rate))
		f.sent = append(f.sent, map[string]any{
			"wamid": "wamid." + strconv.FormatInt(id, 10), "phone_number_id": in.Sender,
			"to": in.To, "wa_id": strings.TrimPrefix(in.To, "+"), "type": "template", "time": at,
		})
		m["status"], m["sent_at"] = "sent", created.Add(time.Duration(id)*time.Millisecond)
		if id%2 == 0 {
			m["status"] = "delivered" // beyond sent still counts as sent
		}
	}
	f.msgs[id] = m
	writeTestJSON(w, http.StatusAccepted, m)
}

// sendsLag puts the fake's sends after every answer a test waits for:
// more than sendTestConfig's request timeout.
const sendsLag = 10 * time.Second

func senderIDOf(phoneID string) int64 {
	for _, s := range fakeSenders {
		if s.PhoneNumberID == phoneID {
			return s.ID
		}
	}
	return 0
}

func sendTestConfig(url string) *sendConfig {
	return &sendConfig{
		URL: url, Key: "zf_test", N: 200, Senders: 2, Rate: 50, Concurrency: 8,
		Timeout: 5 * time.Second, MaxWait: 2 * time.Second, Poll: 20 * time.Millisecond,
	}
}

func TestSendFlowAndMath(t *testing.T) {
	f, srv := newFakeZapflow(t)
	cfg := sendTestConfig(srv.URL)
	cfg.PID = os.Getpid()

	res, err := runSend(context.Background(), cfg)
	require.NoError(t, err)
	require.True(t, res.ok(), "%+v", res)

	f.mu.Lock()
	require.Zero(t, f.badBodies)
	require.Equal(t, map[int64]int{1: 50, 2: 50}, f.rate, "the two lowest sender ids get the rate")
	require.Equal(t, map[string]int{"100000000000011": 50, "100000000000012": 50}, f.mps)
	require.Equal(t, map[string]int{"100000000000011": 100, "100000000000012": 100}, f.perSender, "round-robin")
	require.Len(t, f.recipients, 200, "distinct recipients")
	f.mu.Unlock()

	require.Equal(t, 200, res.Accepted)
	require.Empty(t, res.Non202)
	require.Equal(t, 200, res.SandboxSent, "the pre-existing sandbox message is not counted")
	require.Zero(t, res.SandboxDuplicates)
	require.False(t, res.WaitTimedOut)
	require.Equal(t, 200, res.Sent)
	require.Equal(t, map[string]int{"sent": 100, "delivered": 100}, res.Statuses)
	require.Zero(t, res.Failed)
	require.Positive(t, res.EnqueuePerS)
	require.Equal(t, 100, res.ConfiguredPerS)

	// Each sender: 100 sends exactly 20 ms apart.
	require.Len(t, res.PerSender, 2)
	for i, s := range res.PerSender {
		require.Equal(t, int64(i+1), s.ID)
		require.Equal(t, 100, s.Sends)
		require.InDelta(t, 50, s.MeasuredRate, 1e-9)
		require.InDelta(t, 0, s.DeviationPct, 1e-9)
		require.Equal(t, 50, s.MaxPerSecond)
		require.Equal(t, 1980*time.Millisecond, s.Last.Sub(s.First))
		require.InDelta(t, 0.02, s.MaxGapS, 1e-9)
	}
	// End to end: 200 sends, from the first 202 to start+1.98s. The first
	// 202 came after the first request reached the fake and at most the
	// request timeout after it (a slower one fails the run above), so the
	// span lies between these whatever the machine's load; the fake's
	// start is truncated to the millisecond, hence the 1 ms below.
	require.LessOrEqual(t, res.ThroughputS, (sendsLag + 1980*time.Millisecond).Seconds())
	require.GreaterOrEqual(t, res.ThroughputS, (sendsLag + 1980*time.Millisecond - cfg.Timeout - time.Millisecond).Seconds())
	require.InDelta(t, 200/res.ThroughputS, res.ThroughputPerS, 1e-9)

	// sent_at − created_at = id ms for ids 1..200.
	require.Equal(t, 200, res.QueueToSentMs.Count)
	require.InDelta(t, 100, res.QueueToSentMs.P50, 1e-9)
	require.InDelta(t, 198, res.QueueToSentMs.P99, 1e-9)
	require.InDelta(t, 200, res.QueueToSentMs.Max, 1e-9)
	require.Positive(t, res.PeakRSSMiB)

	var out bytes.Buffer
	printSend(&out, res)
	require.Contains(t, out.String(), "measured 50.00 msg/s vs 50 configured (+0.00%), max 50 in any 1s window, longest gap 0.02s")
	require.Contains(t, out.String(), "p50 100ms  p99 198ms")
}

func TestSendCLIFailsWhenAMessageFailed(t *testing.T) {
	f, srv := newFakeZapflow(t)
	f.failIDs[7] = true
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"send", "-url", srv.URL + "/", "-key", "zf_test",
		"-n", "40", "-rate", "400", "-concurrency", "4", "-wait", "700ms", "-json"}, &stdout, &stderr)
	require.Equal(t, 1, code, stderr.String())

	var res sendResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), stdout.String())
	require.Equal(t, 40, res.Accepted)
	require.Equal(t, 39, res.Sent)
	require.Equal(t, 1, res.Failed)
	require.Equal(t, map[string]int{"131026": 1}, res.FailedCodes)
	require.Equal(t, 39, res.SandboxSent)
	require.True(t, res.WaitTimedOut, "the failed message never reaches the sandbox")
	require.Contains(t, stderr.String(), "failed 1 (131026=1)")
	require.Contains(t, stderr.String(), "send: FAILED")
}

func TestSendCLINon202(t *testing.T) {
	f, srv := newFakeZapflow(t)
	f.fail500 = 10
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"send", "-url", srv.URL, "-key", "zf_test",
		"-n", "30", "-senders", "1", "-rate", "1000", "-concurrency", "3"}, &stdout, &stderr)
	require.Equal(t, 1, code, stderr.String())
	require.Contains(t, stdout.String(), "enqueue:        27/30 accepted")
	require.Contains(t, stdout.String(), "non-202:      500=3")
	require.Contains(t, stdout.String(), "sender 1 (100000000000011): 27 sends")
	require.Contains(t, stdout.String(), "final status:   sent 27, failed 0")
}

func TestSendCLISuccessAndErrors(t *testing.T) {
	_, srv := newFakeZapflow(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"send", "-url", srv.URL, "-key", "zf_test", "-n", "20", "-rate", "1000"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	require.Contains(t, stdout.String(), "enqueue:        20/20 accepted")

	stdout.Reset()
	code = run(context.Background(), []string{"send", "-url", srv.URL, "-key", "wrong", "-n", "5"}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "401")

	code = run(context.Background(), []string{"send", "-url", srv.URL, "-key", "zf_test", "-senders", "4"}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "only 3 sender(s)")

	for _, args := range [][]string{
		{"send"}, // no -key
		{"send", "-key", "k", "-n", "0"},
		{"send", "-key", "k", "-rate", "0"},
		{"send", "-key", "k", "-senders", "0"},
		{"send", "-key", "k", "-concurrency", "0"},
		{"send", "-key", "k", "-url", "127.0.0.1:8080"},
		{"send", "-key", "k", "extra"},
	} {
		require.Equal(t, 2, run(context.Background(), args, &stdout, &stderr), "%q", args)
	}
}

func TestMeasuredRateAndWindow(t *testing.T) {
	t0 := time.Date(2025, 3, 12, 10, 0, 0, 0, time.UTC)
	at := func(ms ...int) []time.Time {
		out := make([]time.Time, len(ms))
		for i, m := range ms {
			out[i] = t0.Add(time.Duration(m) * time.Millisecond)
		}
		return out
	}

	// Evenly paced at 80/s: 12.5 ms apart.
	even := make([]time.Time, 161)
	for i := range even {
		even[i] = t0.Add(time.Duration(i) * 12500 * time.Microsecond)
	}
	require.InDelta(t, 80, measuredRate(even), 1e-9)
	require.Equal(t, 80, maxInWindow(even, time.Second), "a send exactly 1s after another is in a new window")
	require.InDelta(t, 0, deviationPct(measuredRate(even), 80), 1e-9)

	// A burst of 5 at the start, then one per second: the average looks
	// slow, the window shows the burst.
	burst := at(0, 1, 2, 3, 4, 1000, 2000, 3000, 4000)
	require.InDelta(t, 2, measuredRate(burst), 1e-9) // 8 intervals over 4 s
	require.Equal(t, 5, maxInWindow(burst, time.Second))
	require.Equal(t, time.Second, maxGap(burst))
	require.Zero(t, maxGap(at(3)))
	require.Equal(t, 6, maxInWindow(at(0, 1, 2, 3, 4, 999), time.Second), "999 ms after the first is still inside")
	require.InDelta(t, -97.5, deviationPct(2, 80), 1e-9)
	require.InDelta(t, 12.5, deviationPct(90, 80), 1e-9)

	require.Zero(t, measuredRate(nil))
	require.Zero(t, measuredRate(at(5)))
	require.Zero(t, measuredRate(at(5, 5)), "no span: undefined, not infinite")
	require.Equal(t, 0, maxInWindow(nil, time.Second))
	require.Equal(t, 1, maxInWindow(at(0, 1000, 2000), time.Second))
	require.Equal(t, 3, maxInWindow(at(7, 7, 7), time.Second))

	// -preload: a trickle a second apart, its last send 80 ms before the
	// paced ones; the rate is measured from the first paced send.
	paced := afterTrickle(append(at(-3110, -2100, -1090, -80), even...))
	require.Len(t, paced, len(even))
	require.Equal(t, t0, paced[0])
	require.InDelta(t, 80, measuredRate(paced), 1e-9)
	require.Len(t, afterTrickle(append(at(-1090, -80), even...)), len(even))
	require.Len(t, afterTrickle(append(at(-80), even...)), len(even)+1, "one send ahead cannot be told from a paced one")
	require.Len(t, afterTrickle(append([]time.Time(nil), even...)), len(even), "nothing to drop from paced sends")
	require.Equal(t, t0.Add(2001*time.Millisecond), afterTrickle(at(0, 1000, 2000, 2001))[0], "a first paced send a second late goes with the trickle")
	require.Empty(t, afterTrickle(nil))
}

func TestQueueToSentPercentiles(t *testing.T) {
	// 1..100 ms, shuffled order: nearest-rank p50 = 50, p99 = 99.
	d := make([]time.Duration, 100)
	for i := range d {
		d[(i*37)%100] = time.Duration(i+1) * time.Millisecond
	}
	s := summarizeMs(d)
	require.Equal(t, latencySummary{Count: 100, P50: 50, P99: 99, Max: 100, Mean: 50.5}, s)
	require.Equal(t, latencySummary{}, summarizeMs(nil))
}

func TestRecipient(t *testing.T) {
	require.Equal(t, "+5511900000007", recipient(0, 7))
	require.Equal(t, "+5511900000001", recipient(99_999_999, 2), "wraps within 8 digits")
	seen := map[string]bool{}
	for i := range 1000 {
		seen[recipient(99_999_500, i)] = true
	}
	require.Len(t, seen, 1000)
}
