package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// `zapflow-bench send` measures the outbound path end to end: the API
// enqueues template sends, the send workers pace them per sender and call
// the (sandbox) Cloud API, and the sandbox records when it accepted each
// one. The sandbox's own timestamps are the ground truth for the rate: they
// are what Meta would count against the number's throughput.

// sendConfig is the parsed command line of `zapflow-bench send`.
type sendConfig struct {
	URL         string // server base URL, no trailing slash
	Key         string
	N           int
	Senders     int
	Rate        int
	Concurrency int
	PID         int
	Timeout     time.Duration // per request
	MaxWait     time.Duration // for the sandbox to have sent everything
	Poll        time.Duration // sandbox poll interval; 0 means 500ms
	Progress    io.Writer     // progress lines while waiting; nil for none
	// Also: more servers on the same database to POST to, round-robin
	// with URL (multi.go); the sandbox is URL's.
	Also []string
	// KillDB and KillAt: SIGKILL the first sender's lease holder once
	// the sandbox has sent KillAt of the run (multi.go).
	KillDB   string
	KillAt   float64
	SparePID int  // never kill this pid (the sandbox's host)
	SkipURL  bool // POST to the Also servers only
	// Preload: senders at 1/s until every message is queued, then at
	// Rate; the rate is measured from then on.
	Preload bool
}

// benchTemplate is the template every send uses; the sandbox has it
// APPROVED with four positional body parameters.
var benchTemplate = struct {
	Name, Language string
	Variables      map[string]string
}{"appointment_confirmation", "pt_BR", map[string]string{"1": "Ana", "2": "Dra. Beatriz", "3": "12/03", "4": "Av. Paulista"}}

// sendResult is what a run measured; printed as text and, with -json, as
// one JSON line.
type sendResult struct {
	URL           string `json:"url"`
	N             int    `json:"n"`
	Concurrency   int    `json:"concurrency"`
	RatePerSender int    `json:"rate_per_sender"`

	// Enqueue phase: POST /api/v1/messages.
	Accepted        int            `json:"accepted"` // answered 202
	Non202          map[int]int64  `json:"non_202,omitempty"`
	TransportErrors int            `json:"transport_errors"`
	ErrorSamples    []string       `json:"error_samples,omitempty"`
	EnqueueS        float64        `json:"enqueue_s"` // first POST to last answer
	EnqueuePerS     float64        `json:"enqueue_per_s"`
	PostLatencyMs   latencySummary `json:"post_latency_ms"`

	// What the sandbox (the simulated Cloud API) accepted for this run.
	SandboxSent       int     `json:"sandbox_sent"`
	SandboxDuplicates int     `json:"sandbox_duplicates"` // a recipient sent to more than once
	WaitS             float64 `json:"wait_s"`             // last 202 until the sandbox had them all (or gave up)
	WaitTimedOut      bool    `json:"wait_timed_out"`
	// End to end: sandbox sends ÷ (last sandbox send − first 202).
	ThroughputS    float64       `json:"throughput_s"`
	ThroughputPerS float64       `json:"throughput_per_s"`
	ConfiguredPerS int           `json:"configured_per_s"` // senders × rate
	PerSender      []senderStats `json:"per_sender"`

	// Final state of every accepted message (GET /api/v1/messages/{id}).
	Statuses    map[string]int `json:"statuses"`
	Sent        int            `json:"sent"` // sent or beyond (delivered, read)
	Failed      int            `json:"failed"`
	FailedCodes map[string]int `json:"failed_codes,omitempty"`
	FetchErrors int            `json:"fetch_errors"`
	// Queue-to-sent: sent_at − created_at, as the server recorded them.
	QueueToSentMs latencySummary `json:"queue_to_sent_ms"`

	// Several instances (multi.go).
	Instances     int       `json:"instances"`
	Throttled     int       `json:"throttled_130429"` // sends the sandbox answered 130429 during the run
	Lost          int       `json:"lost"`             // accepted but never sent by the sandbox
	KilledPID     int       `json:"killed_pid,omitempty"`
	KilledAfter   int       `json:"killed_after_sends,omitempty"`
	KilledAt      time.Time `json:"killed_at,omitzero"`
	Killed        string    `json:"kill_error,omitempty"`
	AfterKillS    float64   `json:"after_kill_s,omitempty"` // kill → last sandbox send
	sandboxBefore sandboxCounts

	PeakRSSMiB float64 `json:"peak_rss_mib,omitempty"`
	MeanRSSMiB float64 `json:"mean_rss_mib,omitempty"`
	HWMMiB     float64 `json:"vm_hwm_mib,omitempty"`
	RSSError   string  `json:"rss_error,omitempty"`
}

type latencySummary struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
}

func summarizeMs(d []time.Duration) latencySummary {
	s := summarize(d)
	return latencySummary{Count: s.Count, P50: ms(s.P50), P99: ms(s.P99), Max: ms(s.Max), Mean: ms(s.Mean)}
}

// senderStats is one sender's pacing as the sandbox saw it.
type senderStats struct {
	ID             int64     `json:"id"`
	PhoneNumberID  string    `json:"phone_number_id"`
	ConfiguredRate int       `json:"configured_rate"`
	Sends          int       `json:"sends"`
	MeasuredRate   float64   `json:"measured_rate"` // (sends−1) ÷ (last − first)
	DeviationPct   float64   `json:"deviation_pct"` // measured vs configured
	MaxPerSecond   int       `json:"max_in_1s_window"`
	MaxGapS        float64   `json:"max_gap_s"` // longest pause between two consecutive sends (a stall, a retry tail)
	First          time.Time `json:"first"`
	Last           time.Time `json:"last"`
}

// ok reports whether everything asked for was accepted, sent and nothing failed.
func (r *sendResult) ok() bool {
	return r.Accepted == r.N && r.Sent == r.N && r.Failed == 0 && r.SandboxSent >= r.N && r.FetchErrors == 0 &&
		r.SandboxDuplicates == 0 && r.Killed == ""
}

// --- math -----------------------------------------------------------------

// measuredRate is the rate a sorted series of send times shows: the n−1
// intervals between n sends over the time they span. 0 when undefined.
func measuredRate(sorted []time.Time) float64 {
	if len(sorted) < 2 {
		return 0
	}
	span := sorted[len(sorted)-1].Sub(sorted[0])
	if span <= 0 {
		return 0
	}
	return float64(len(sorted)-1) / span.Seconds()
}

// trickleGap tells -preload's 1/s trickle from paced sends: the trickle's
// sends are about a second apart, sends paced at 4/s or more less than
// half that.
const trickleGap = 500 * time.Millisecond

// afterTrickle returns the sends paced at the configured rate: with
// -preload, those after the leading trickle, the sends about a second
// apart made while the queue filled. The last trickle send can go up to a
// second after the rate changed, tens of ms before the first paced one:
// counted, it measured the switch-over, not the pacing (at 1,000/s one such
// send 80 ms ahead turned a sandbox-measured 990.7/s into 981.7/s). A send
// alone ahead of the paced ones is kept: it cannot be told from a paced
// one. times is sorted in place.
func afterTrickle(times []time.Time) []time.Time {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	i := 0
	for i+1 < len(times) && times[i+1].Sub(times[i]) >= trickleGap {
		i++
	}
	if i == 0 {
		return times
	}
	return times[i+1:]
}

// maxInWindow returns the largest number of sorted times that fit in any
// window of length w, i.e. whose first and last differ by less than w.
// That is the test the sandbox (and Meta) apply: a send is refused when
// `limit` sends already happened in the second before it.
func maxInWindow(sorted []time.Time, w time.Duration) int {
	best, i := 0, 0
	for j := range sorted {
		for sorted[j].Sub(sorted[i]) >= w {
			i++
		}
		best = max(best, j-i+1)
	}
	return best
}

// maxGap is the longest interval between consecutive sorted times.
func maxGap(sorted []time.Time) time.Duration {
	var g time.Duration
	for i := 1; i < len(sorted); i++ {
		g = max(g, sorted[i].Sub(sorted[i-1]))
	}
	return g
}

// deviationPct is how far measured is from configured, in percent.
func deviationPct(measured float64, configured int) float64 {
	if configured <= 0 {
		return 0
	}
	return 100 * (measured - float64(configured)) / float64(configured)
}

// recipient i of a run: +55 11 9xxxx-xxxx, distinct for i < 10^8. base
// shifts each run so re-runs against one server do not hit the same
// numbers (and their pair rate limits).
func recipient(base, i int) string {
	return fmt.Sprintf("+55119%08d", (base+i)%100_000_000)
}

// --- HTTP -----------------------------------------------------------------

type apiClient struct {
	base, key string
	http      *http.Client
}

// do sends a JSON request and decodes a JSON answer into out when the
// status is want. Any other status is an error carrying the body.
func (c *apiClient) do(ctx context.Context, method, path string, in, out any, want int) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" && strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode != want {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, snippet(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

type apiSender struct {
	ID            int64  `json:"id"`
	PhoneNumberID string `json:"phone_number_id"`
	Status        string `json:"status"`
	Online        bool   `json:"online"`
	RateLimit     int    `json:"rate_limit"`
}

type apiMessage struct {
	ID        int64     `json:"id"`
	Status    string    `json:"status"`
	ErrorCode string    `json:"error_code"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at"`
}

// sandboxSent is the part of sandbox.SentMessage the benchmark reads.
type sandboxSent struct {
	PhoneNumberID string    `json:"phone_number_id"`
	WaID          string    `json:"wa_id"`
	Time          time.Time `json:"time"`
}

// --- run ------------------------------------------------------------------

// postOutcome is one POST /api/v1/messages; each index is written by one
// worker only.
type postOutcome struct {
	id      int64
	status  int // HTTP status; 0 on a transport error
	at      time.Time
	latency time.Duration
	err     string
}

func runSend(ctx context.Context, cfg *sendConfig) (*sendResult, error) {
	var sampler *rssSampler
	if cfg.PID > 0 {
		var err error
		if sampler, err = startRSSSampler(cfg.PID, 100*time.Millisecond); err != nil {
			return nil, fmt.Errorf("server pid %d: %w", cfg.PID, err)
		}
	}
	res, err := sendPhases(ctx, cfg)
	if sampler != nil {
		sum := sampler.Stop()
		if res != nil {
			res.PeakRSSMiB, res.MeanRSSMiB, res.HWMMiB = mib(sum.PeakKiB), mib(sum.MeanKiB), mib(sum.HWMKiB)
			if sum.Err != nil {
				res.RSSError = sum.Err.Error()
			}
		}
	}
	return res, err
}

func sendPhases(ctx context.Context, cfg *sendConfig) (*sendResult, error) {
	tr := newTransport(cfg.Concurrency)
	defer tr.CloseIdleConnections()
	c := &apiClient{base: cfg.URL, key: cfg.Key, http: &http.Client{Transport: tr, Timeout: cfg.Timeout}}
	var clients []*apiClient // round-robin POST targets
	for _, u := range cfg.baseURLs() {
		clients = append(clients, &apiClient{base: u, key: cfg.Key, http: c.http})
	}
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}

	// 1. Pick the senders and set their rate, here and in the sandbox.
	var list struct {
		Senders []apiSender `json:"senders"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/senders", nil, &list, http.StatusOK); err != nil {
		return nil, err
	}
	slices.SortFunc(list.Senders, func(a, b apiSender) int { return int(a.ID - b.ID) })
	if len(list.Senders) < cfg.Senders {
		return nil, fmt.Errorf("-senders %d: the server has only %d sender(s)", cfg.Senders, len(list.Senders))
	}
	senders := list.Senders[:cfg.Senders]
	for _, s := range senders {
		if !s.Online {
			fmt.Fprintf(progress, "warning: sender %d (%s) is not online (status %q)\n", s.ID, s.PhoneNumberID, s.Status)
		}
		var upd apiSender
		if _, err := c.do(ctx, http.MethodPatch, "/api/v1/senders/"+strconv.FormatInt(s.ID, 10),
			map[string]int{"rate_limit": cfg.Rate}, &upd, http.StatusOK); err != nil {
			return nil, fmt.Errorf("set rate_limit: %w", err)
		}
		if upd.RateLimit != cfg.Rate {
			return nil, fmt.Errorf("sender %d: asked for rate_limit %d, server answered %d", s.ID, cfg.Rate, upd.RateLimit)
		}
		if _, err := c.do(ctx, http.MethodPost, "/sandbox/api/senders/"+url.PathEscape(s.PhoneNumberID)+"/throughput",
			map[string]int{"mps": cfg.Rate}, nil, http.StatusOK); err != nil {
			return nil, fmt.Errorf("set sandbox throughput: %w", err)
		}
	}

	res := &sendResult{
		URL: cfg.URL, N: cfg.N, Concurrency: cfg.Concurrency, RatePerSender: cfg.Rate,
		ConfiguredPerS: cfg.Rate * len(senders), Non202: map[int]int64{},
		Statuses: map[string]int{}, FailedCodes: map[string]int{}, Instances: len(clients),
	}
	// An older server's sandbox has no throttle count: -1 says unknown.
	countsOK := true
	if _, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent/count", nil, &res.sandboxBefore, http.StatusOK); err != nil {
		countsOK, res.Throttled = false, -1
	}

	// With -preload the senders trickle at 1/s while the queue fills, and
	// get their rate once it is full: the pacing is then measured on a
	// full queue, not on how fast the API takes messages (afterTrickle).
	setRate := func(rate int) error {
		for _, s := range senders {
			if _, err := c.do(ctx, http.MethodPatch, "/api/v1/senders/"+strconv.FormatInt(s.ID, 10),
				map[string]int{"rate_limit": rate}, nil, http.StatusOK); err != nil {
				return fmt.Errorf("set rate_limit: %w", err)
			}
		}
		return nil
	}
	if cfg.Preload {
		if err := setRate(1); err != nil {
			return nil, err
		}
	}

	// 2. Enqueue n template sends, round-robin over the senders.
	base := int(time.Now().UnixNano() % 100_000_000)
	outcomes := make([]postOutcome, cfg.N)
	postStart := time.Now()
	forEach(ctx, cfg.N, cfg.Concurrency, func(i int) {
		s := senders[i%len(senders)]
		body := map[string]any{
			"type":      "template",
			"sender":    s.PhoneNumberID,
			"to":        recipient(base, i),
			"template":  map[string]string{"name": benchTemplate.Name, "language": benchTemplate.Language},
			"variables": benchTemplate.Variables,
		}
		var m apiMessage
		t0 := time.Now()
		code, err := clients[i%len(clients)].do(ctx, http.MethodPost, "/api/v1/messages", body, &m, http.StatusAccepted)
		o := &outcomes[i]
		o.at, o.latency, o.status = time.Now(), time.Since(t0), code
		if err != nil {
			o.err = err.Error()
			return
		}
		o.id = m.ID
	})
	postEnd := time.Now()
	res.EnqueueS = postEnd.Sub(postStart).Seconds()
	if cfg.Preload {
		if err := setRate(cfg.Rate); err != nil {
			return nil, err
		}
	}

	var first202, last202 time.Time
	var postLat []time.Duration
	var accepted []int64
	recipients := map[string]bool{} // wa_id digits of accepted sends
	for i, o := range outcomes {
		switch {
		case o.status == http.StatusAccepted && o.err == "":
			accepted = append(accepted, o.id)
			recipients[strings.TrimPrefix(recipient(base, i), "+")] = true
			postLat = append(postLat, o.latency)
			if first202.IsZero() || o.at.Before(first202) {
				first202 = o.at
			}
			if o.at.After(last202) {
				last202 = o.at
			}
		case o.status == 0 && o.at.IsZero():
			// never attempted (interrupted)
		case o.status == 0, o.status == http.StatusAccepted: // no answer, or an undecodable 202
			res.TransportErrors++
		default:
			res.Non202[o.status]++
		}
		if o.err != "" && len(res.ErrorSamples) < 5 && !slices.Contains(res.ErrorSamples, o.err) {
			res.ErrorSamples = append(res.ErrorSamples, o.err)
		}
	}
	res.Accepted = len(accepted)
	if res.EnqueueS > 0 {
		res.EnqueuePerS = float64(res.Accepted) / res.EnqueueS
	}
	res.PostLatencyMs = summarizeMs(postLat)
	if res.Accepted == 0 {
		return res, nil
	}
	fmt.Fprintf(progress, "enqueued %d/%d in %.2fs; waiting for the sandbox to send them (max %s)...\n",
		res.Accepted, cfg.N, res.EnqueueS, cfg.MaxWait)

	if cfg.KillDB != "" {
		go killWhenDue(ctx, c, cfg, senders[0].ID, int(cfg.KillAt*float64(res.Accepted)), res)
	}

	// 3. Wait until the sandbox has accepted every enqueued send.
	used := map[string]int{} // phone_number_id -> index in senders
	for i, s := range senders {
		used[s.PhoneNumberID] = i
	}
	poll := cfg.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	deadline := time.Now().Add(cfg.MaxWait)
	var ours []sandboxSent
	lastReport := time.Now()
	for {
		// Poll the cheap count until the sandbox has had enough sends:
		// the full list re-serialises every message, and fetching it
		// every poll stole the CPU of the sends being timed (bunching
		// them at the sandbox's mutex, which showed as > rate in a
		// one-second window).
		var cnt sandboxCounts
		if countsOK && time.Now().Before(deadline) && ctx.Err() == nil {
			if _, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent/count", nil, &cnt, http.StatusOK); err == nil &&
				cnt.Count-res.sandboxBefore.Count < res.Accepted {
				if time.Since(lastReport) >= 5*time.Second {
					fmt.Fprintf(progress, "  sandbox has sent %d/%d\n", cnt.Count-res.sandboxBefore.Count, res.Accepted)
					lastReport = time.Now()
				}
				select {
				case <-ctx.Done():
				case <-time.After(poll):
				}
				continue
			}
		}
		var all []sandboxSent
		_, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent", nil, &all, http.StatusOK)
		if err != nil && ctx.Err() == nil {
			fmt.Fprintf(progress, "warning: %v\n", err)
		}
		if err == nil {
			ours = ours[:0]
			for _, m := range all {
				if _, ok := used[m.PhoneNumberID]; ok && recipients[m.WaID] {
					ours = append(ours, m)
				}
			}
		}
		if len(ours) >= res.Accepted {
			break
		}
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			res.WaitTimedOut = ctx.Err() == nil
			break
		}
		if time.Since(lastReport) >= 5*time.Second {
			fmt.Fprintf(progress, "  sandbox has sent %d/%d\n", len(ours), res.Accepted)
			lastReport = time.Now()
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
	res.WaitS = time.Since(postEnd).Seconds()

	// Per-sender pacing from the sandbox's timestamps.
	times := make([][]time.Time, len(senders))
	seen := map[string]bool{}
	var lastSend time.Time
	for _, m := range ours {
		if seen[m.WaID] {
			res.SandboxDuplicates++
		}
		seen[m.WaID] = true
		i := used[m.PhoneNumberID]
		times[i] = append(times[i], m.Time)
		if m.Time.After(lastSend) {
			lastSend = m.Time
		}
	}
	res.SandboxSent = len(ours)
	res.Lost = res.Accepted - len(seen)
	var after sandboxCounts
	if _, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent/count", nil, &after, http.StatusOK); err == nil && countsOK {
		res.Throttled = after.Throttled - res.sandboxBefore.Throttled
	}
	if !res.KilledAt.IsZero() && lastSend.After(res.KilledAt) {
		res.AfterKillS = lastSend.Sub(res.KilledAt).Seconds()
	}
	if cfg.Preload {
		for i := range times {
			times[i] = afterTrickle(times[i]) // the pacing at the rate, not the 1/s trickle
		}
	}
	res.PerSender = append(res.PerSender, perSenderStats(senders, times, cfg.Rate)...)
	if res.SandboxSent > 0 {
		if span := lastSend.Sub(first202); span > 0 {
			res.ThroughputS = span.Seconds()
			res.ThroughputPerS = float64(res.SandboxSent) / span.Seconds()
		}
	}

	// 4. The server's view of every accepted message.
	msgs := make([]apiMessage, len(accepted))
	errs := make([]error, len(accepted))
	// A fresh context: an interrupted run still reports what it got.
	fetchCtx := context.WithoutCancel(ctx)
	fetch := func(i int) {
		_, errs[i] = c.do(fetchCtx, http.MethodGet, "/api/v1/messages/"+strconv.FormatInt(accepted[i], 10), nil, &msgs[i], http.StatusOK)
	}
	forEach(fetchCtx, len(accepted), cfg.Concurrency, fetch)
	// The server records outcomes in batches just after Meta answers: give
	// the ones the sandbox already has a few seconds to be recorded.
	for settle := time.Now().Add(10 * time.Second); res.SandboxSent >= len(accepted) && time.Now().Before(settle); {
		var queued []int
		for i, m := range msgs {
			if errs[i] == nil && m.Status == "queued" {
				queued = append(queued, i)
			}
		}
		if len(queued) == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
		forEach(fetchCtx, len(queued), cfg.Concurrency, func(k int) { fetch(queued[k]) })
	}
	var q2s []time.Duration
	for i, m := range msgs {
		if errs[i] != nil {
			res.FetchErrors++
			if e := errs[i].Error(); len(res.ErrorSamples) < 5 && !slices.Contains(res.ErrorSamples, e) {
				res.ErrorSamples = append(res.ErrorSamples, e)
			}
			continue
		}
		res.Statuses[m.Status]++
		switch m.Status {
		case "sent", "delivered", "read", "played":
			res.Sent++
		case "failed":
			res.Failed++
			res.FailedCodes[orDefault(m.ErrorCode, "(none)")]++
		}
		if !m.SentAt.IsZero() && !m.CreatedAt.IsZero() {
			q2s = append(q2s, m.SentAt.Sub(m.CreatedAt))
		}
	}
	res.QueueToSentMs = summarizeMs(q2s)
	return res, nil
}

func orDefault(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// forEach calls f(0..n-1) from `workers` goroutines, stopping early (not
// mid-call) when ctx ends.
func forEach(ctx context.Context, n, workers int, f func(i int)) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range jobs {
				f(i)
			}
		})
	}
feed:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
}

// --- report ---------------------------------------------------------------

func printSend(w io.Writer, r *sendResult) {
	fmt.Fprintf(w, "target:         %s (%d sender(s) × %d msg/s configured = %d/s, %d POST workers)\n",
		r.URL, len(r.PerSender), r.RatePerSender, r.ConfiguredPerS, r.Concurrency)
	fmt.Fprintf(w, "enqueue:        %d/%d accepted (202) in %.3fs = %.0f msg/s; POST p50 %.2fms p99 %.2fms\n",
		r.Accepted, r.N, r.EnqueueS, r.EnqueuePerS, r.PostLatencyMs.P50, r.PostLatencyMs.P99)
	if len(r.Non202) > 0 || r.TransportErrors > 0 {
		fmt.Fprintf(w, "  non-202:      %s, transport errors %d\n", formatStatuses(r.Non202), r.TransportErrors)
	}
	for _, e := range r.ErrorSamples {
		fmt.Fprintf(w, "    e.g. %s\n", e)
	}
	wait := ""
	if r.WaitTimedOut {
		wait = " — GAVE UP WAITING"
	}
	fmt.Fprintf(w, "sandbox:        %d sent (%d duplicate recipients), waited %.1fs after the last 202%s\n",
		r.SandboxSent, r.SandboxDuplicates, r.WaitS, wait)
	fmt.Fprintf(w, "end-to-end:     %d sends in %.3fs (first 202 → last sandbox send) = %.1f msg/s (configured %d/s)\n",
		r.SandboxSent, r.ThroughputS, r.ThroughputPerS, r.ConfiguredPerS)
	for _, s := range r.PerSender {
		fmt.Fprintf(w, "  sender %d (%s): %d sends, measured %.2f msg/s vs %d configured (%+.2f%%), max %d in any 1s window, longest gap %.2fs\n",
			s.ID, s.PhoneNumberID, s.Sends, s.MeasuredRate, s.ConfiguredRate, s.DeviationPct, s.MaxPerSecond, s.MaxGapS)
	}
	fmt.Fprintf(w, "instances:      %d; 130429 throttles %d, duplicates %d, lost %d\n", r.Instances, r.Throttled, r.SandboxDuplicates, r.Lost)
	if r.KilledPID > 0 {
		fmt.Fprintf(w, "failover:       SIGKILLed the lease holder (pid %d) after %d sends; the last send came %.1fs later\n", r.KilledPID, r.KilledAfter, r.AfterKillS)
	}
	if r.Killed != "" {
		fmt.Fprintf(w, "failover:       %s\n", r.Killed)
	}
	fmt.Fprintf(w, "final status:   sent %d, failed %d%s, other %s, fetch errors %d\n",
		r.Sent, r.Failed, formatCodes(r.FailedCodes), formatOther(r.Statuses), r.FetchErrors)
	q := r.QueueToSentMs
	fmt.Fprintf(w, "queue→sent:     p50 %.0fms  p99 %.0fms  max %.0fms  (mean %.0fms, n=%d)\n", q.P50, q.P99, q.Max, q.Mean, q.Count)
	if r.PeakRSSMiB > 0 || r.RSSError != "" {
		fmt.Fprintf(w, "server RSS:     peak %.1f MiB, mean %.1f MiB, VmHWM %s\n", r.PeakRSSMiB, r.MeanRSSMiB, formatMiB(r.HWMMiB))
		if r.RSSError != "" {
			fmt.Fprintf(w, "  sampling stopped early: %s\n", r.RSSError)
		}
	}
}

func formatCodes(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+strconv.Itoa(m[k]))
	}
	return " (" + strings.Join(parts, " ") + ")"
}

// formatOther lists statuses that are neither sent-or-beyond nor failed
// (e.g. still queued).
func formatOther(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch k {
		case "sent", "delivered", "read", "played", "failed":
			continue
		}
		parts = append(parts, k+"="+strconv.Itoa(m[k]))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, " ")
}

// --- CLI ------------------------------------------------------------------

func cmdSend(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := sendConfig{}
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server base `URL` (API and /sandbox on the same host)")
	fs.StringVar(&cfg.Key, "key", "", "admin API `key` (required: setting rate_limit needs an admin)")
	fs.IntVar(&cfg.N, "n", 2000, "template messages to send")
	fs.IntVar(&cfg.Senders, "senders", 2, "how many of the server's senders to use (lowest ids first), round-robin")
	fs.IntVar(&cfg.Rate, "rate", 80, "msg/s per sender: set as each used sender's rate_limit and as its sandbox throughput")
	fs.IntVar(&cfg.Concurrency, "concurrency", 32, "concurrent POST (and GET) workers")
	fs.IntVar(&cfg.PID, "pid", 0, "server `pid`: sample its VmRSS every 100ms and report the peak")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.DurationVar(&cfg.MaxWait, "wait", 5*time.Minute, "how long to wait for the sandbox to have sent everything")
	var also string
	fs.StringVar(&also, "also", "", "comma-separated base `URLs` of more servers on the same database (and -url's sandbox) to POST to, round-robin")
	fs.StringVar(&cfg.KillDB, "kill-db", "", "PostgreSQL `URL` of the servers' database: SIGKILL the first sender's lease holder mid-run")
	fs.Float64Var(&cfg.KillAt, "kill-at", 0.3, "with -kill-db: kill once the sandbox has sent this fraction of the run")
	fs.IntVar(&cfg.SparePID, "spare-pid", 0, "with -kill-db: the `pid` hosting the sandbox, never killed (the run fails if it holds the lease)")
	fs.BoolVar(&cfg.Preload, "preload", false, "hold the senders at 1 msg/s until every message is queued, then measure their pacing on the full queue")
	postURL := fs.Bool("post-url", true, "with -also: POST to -url too (false: only to the -also servers)")
	return runSubcommand(ctx, fs, args, stdout, stderr, subcommand[*sendResult]{
		prepare: func() error {
			cfg.URL = strings.TrimRight(cfg.URL, "/")
			cfg.SkipURL = !*postURL
			for _, u := range strings.Split(also, ",") {
				if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
					cfg.Also = append(cfg.Also, u)
				}
			}
			if err := validateSend(&cfg); err != nil {
				return err
			}
			cfg.Progress = stderr
			return nil
		},
		run:   func(ctx context.Context) (*sendResult, error) { return runSend(ctx, &cfg) },
		print: printSend,
		failed: func(res *sendResult) string {
			if res.ok() {
				return ""
			}
			return fmt.Sprintf("FAILED: %d/%d accepted, %d sent, %d failed, sandbox sent %d, %d duplicates%s",
				res.Accepted, res.N, res.Sent, res.Failed, res.SandboxSent, res.SandboxDuplicates, orDefault(res.Killed, ""))
		},
	})
}

func validateSend(cfg *sendConfig) error {
	u, err := url.Parse(cfg.URL)
	switch {
	case err != nil:
		return fmt.Errorf("-url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("-url %q: want http(s)://host[:port]", cfg.URL)
	case cfg.Key == "":
		return errors.New("-key is required")
	case cfg.N < 1 || cfg.N > 100_000_000:
		return errors.New("-n must be in 1..100000000")
	case cfg.Senders < 1:
		return errors.New("-senders must be >= 1")
	case cfg.Rate < 1:
		return errors.New("-rate must be >= 1")
	case cfg.Concurrency < 1:
		return errors.New("-concurrency must be >= 1")
	case cfg.Timeout <= 0:
		return errors.New("-timeout must be > 0")
	case cfg.MaxWait <= 0:
		return errors.New("-wait must be > 0")
	}
	return nil
}
