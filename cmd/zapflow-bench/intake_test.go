package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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

// fakeIntake is a minimal stand-in for zapflow's webhook endpoint: it checks
// the signature over the raw body, decodes the payload and counts what it
// acknowledged. failEvery > 0 answers 500 to every failEvery-th valid request.
type fakeIntake struct {
	t         testing.TB
	secret    []byte
	failEvery int

	mu        sync.Mutex
	requests  int
	badSig    int
	ok        int
	n500      int
	okMsgs    int
	okWamids  map[string]bool
	phoneSeen map[string]bool
}

func newFakeIntake(t testing.TB, secret string, failEvery int) (*fakeIntake, *httptest.Server) {
	f := &fakeIntake{t: t, secret: []byte(secret), failEvery: failEvery, okWamids: map[string]bool{}, phoneSeen: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeIntake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/metrics" {
		http.NotFound(w, r) // a server without metrics: no processing figures
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if r.Method != http.MethodPost || r.URL.Path != "/webhooks/whatsapp/1" ||
		!validSignature(f.secret, body, r.Header.Get("X-Hub-Signature-256")) {
		f.badSig++
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	var p webhook
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if f.failEvery > 0 && f.requests%f.failEvery == 0 {
		f.n500++
		http.Error(w, "simulated failure", http.StatusInternalServerError)
		return
	}
	f.ok++
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			f.phoneSeen[c.Value.Metadata.PhoneNumberID] = true
			for _, m := range c.Value.Messages {
				f.okMsgs++
				f.okWamids[m.ID] = true
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

func testConfig(url string) *intakeConfig {
	return &intakeConfig{
		URL:         url + "/webhooks/whatsapp/1",
		Duration:    time.Second,
		Concurrency: 8,
		Timeout:     5 * time.Second,
		Payload: payloadConfig{
			Secret:    []byte("sandbox-app-secret"),
			WABA:      "100000000000001",
			PhoneIDs:  []string{"100000000000011", "100000000000012"},
			Customers: 100,
			Batch:     3,
			RunID:     "t",
		},
	}
}

func TestIntakeCountsMatchServer(t *testing.T) {
	f, srv := newFakeIntake(t, "sandbox-app-secret", 7)
	cfg := testConfig(srv.URL)
	cfg.Dup = 0.25
	cfg.PID = os.Getpid()

	res, err := runIntake(context.Background(), cfg)
	require.NoError(t, err)

	f.mu.Lock()
	defer f.mu.Unlock()
	require.Zero(t, f.badSig, "every request must carry a valid signature")
	require.Nil(t, res.Processing, "no /metrics, no processing figures")
	require.Positive(t, f.ok)
	require.Positive(t, f.n500)
	require.Equal(t, int64(f.requests), res.Requests)
	require.Equal(t, int64(f.ok), res.OK)
	require.Equal(t, int64(f.okMsgs), res.AcceptedMessages, "accepted = messages the server acknowledged")
	require.Equal(t, int64(len(f.okWamids)), res.UniqueAcceptedMessages, "unique = distinct wamids acknowledged")
	require.Less(t, res.UniqueAcceptedMessages, res.AcceptedMessages, "duplicates were re-sent")
	require.Positive(t, res.DuplicateRequests)
	require.Equal(t, map[int]int64{500: int64(f.n500)}, res.Non200)
	require.Zero(t, res.TransportErrors)
	require.Len(t, f.phoneSeen, 2)

	require.Equal(t, f.requests, res.LatencyCount)
	require.GreaterOrEqual(t, res.DurationS, 1.0)
	require.InDelta(t, float64(res.AcceptedMessages)/res.DurationS, res.MessagesPerS, 1e-6)
	require.Positive(t, res.LatencyMs.P50)
	require.LessOrEqual(t, res.LatencyMs.P50, res.LatencyMs.P90)
	require.LessOrEqual(t, res.LatencyMs.P90, res.LatencyMs.P99)
	require.LessOrEqual(t, res.LatencyMs.P99, res.LatencyMs.Max)
	require.Positive(t, res.PeakRSSMiB, "sampled our own pid")
	requireHWMCoversPeak(t, res.HWMMiB, res.PeakRSSMiB)

	var out bytes.Buffer
	printIntake(&out, res)
	require.Contains(t, out.String(), "non-200:      500="+strconv.Itoa(f.n500))
}

func TestIntakeCLIJSON(t *testing.T) {
	_, srv := newFakeIntake(t, "s3cret", 0)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"intake",
		"-url", srv.URL + "/webhooks/whatsapp/1", "-secret", "s3cret",
		"-duration", "300ms", "-warmup", "100ms", "-concurrency", "4", "-json",
		"-pid", strconv.Itoa(os.Getpid()),
	}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())

	var res intakeResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), stdout.String())
	require.Positive(t, res.OK)
	require.Equal(t, res.OK, res.AcceptedMessages)
	require.Empty(t, res.Non200)
	require.Positive(t, res.PeakRSSMiB)
	require.Contains(t, stderr.String(), "accepted:", "text report goes to stderr with -json")
}

func TestIntakeCLIFailsWhenNothingSucceeds(t *testing.T) {
	_, srv := newFakeIntake(t, "other-secret", 0) // every request: 403
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"intake",
		"-url", srv.URL + "/webhooks/whatsapp/1", "-secret", "not-other-secret", "-duration", "200ms", "-warmup", "0", "-concurrency", "2",
	}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stdout.String(), "403=")
	require.Contains(t, stderr.String(), "no request was answered 200")
}

func TestIntakeCLITransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"intake", "-secret", "s", "-url", url, "-duration", "100ms", "-warmup", "0", "-concurrency", "2"}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Regexp(t, `transport errors: [1-9]`, stdout.String())
}

func TestIntakeCLIValidation(t *testing.T) {
	for _, args := range [][]string{
		{"intake", "-batch", "1001"},
		{"intake", "-dup", "1.5"},
		{"intake", "-concurrency", "0"},
		{"intake", "-url", "127.0.0.1:8080"},
		{"intake", "-phone-ids", ","},
		{"nope"},
		{},
	} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 2, run(context.Background(), args, &stdout, &stderr), "%q", args)
	}
}

func TestRSSCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"rss", "-pid", strconv.Itoa(os.Getpid()), "-for", "350ms", "-json"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	var res rssResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res))
	require.GreaterOrEqual(t, res.Samples, 3)
	require.Positive(t, res.MeanRSSMiB)
	require.GreaterOrEqual(t, res.PeakRSSMiB, res.MeanRSSMiB)
	requireHWMCoversPeak(t, res.HWMMiB, res.PeakRSSMiB)

	code = run(context.Background(), []string{"rss", "-pid", "999999999", "-for", "10ms"}, &stdout, &stderr)
	require.Equal(t, 1, code)
}

func TestReadProcCPU(t *testing.T) {
	// Burn a little CPU so the counter is non-zero even at 100 Hz.
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	d, err := readProcCPU(os.Getpid())
	require.NoError(t, err)
	require.Positive(t, d)
	require.True(t, strings.HasPrefix(formatStatuses(map[int]int64{503: 1, 500: 2}), "500=2 503=1"))
}

// requireHWMCoversPeak checks VmHWM against the peak VmRSS sample. Linux
// keeps RSS in per-thread counters that are folded in lazily, so a VmRSS
// sample can run ahead of VmHWM by a little: allow 1 MiB.
func requireHWMCoversPeak(t *testing.T, hwm, peak float64) {
	t.Helper()
	require.GreaterOrEqual(t, hwm, peak-1, "VmHWM %.2f MiB, peak sample %.2f MiB", hwm, peak)
}
