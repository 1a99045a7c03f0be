package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// `zapflow-bench flows` measures the whole automation path: a signed inbound
// webhook is accepted, processed, starts a flow run (set_variables, branch,
// send_template), the send is paced per sender and handed to the (sandbox)
// Cloud API. Each webhook comes from its own customer, so the sandbox's
// record of what it accepted, and when, says per customer how long the
// trigger took to become a send and whether anything was lost or doubled.

// flowsConfig is the parsed command line of `zapflow-bench flows`.
type flowsConfig struct {
	URL         string // server base URL, no trailing slash
	Key         string
	Account     int64
	Secret      string
	WABA        string
	N           int
	Senders     int
	Rate        int
	Concurrency int
	Pace        int // webhooks per second; 0 = as fast as the server answers
	PID         int
	Timeout     time.Duration
	MaxWait     time.Duration // for the sandbox to have sent everything
	Poll        time.Duration // sandbox poll interval; 0 means 250ms
	Keep        bool          // leave the flow enabled afterwards
	Progress    io.Writer
	// RunSettle bounds the wait for runs still recording their send's
	// outcome after the sandbox has every send (that lags on a loaded
	// server; it is not a loss); 0 means 2 minutes.
	RunSettle time.Duration
}

// flowsResult is what a run measured; printed as text and, with -json, as
// one JSON line.
type flowsResult struct {
	URL            string `json:"url"`
	FlowID         int64  `json:"flow_id"`
	N              int    `json:"n"`
	Concurrency    int    `json:"concurrency"`
	Pace           int    `json:"pace_per_s,omitempty"`
	RatePerSender  int    `json:"rate_per_sender"`
	ConfiguredPerS int    `json:"configured_per_s"` // senders × rate: the Cloud API cap

	// Intake: the signed webhook POSTs.
	Acknowledged    int            `json:"acknowledged"` // answered 200
	Non200          map[int]int64  `json:"non_200,omitempty"`
	TransportErrors int            `json:"transport_errors"`
	ErrorSamples    []string       `json:"error_samples,omitempty"`
	IntakeS         float64        `json:"intake_s"` // first POST to last answer
	IntakePerS      float64        `json:"intake_per_s"`
	PostLatencyMs   latencySummary `json:"post_latency_ms"`

	// What the sandbox accepted for this run's customers.
	SandboxSent       int     `json:"sandbox_sent"`       // distinct customers sent to
	SandboxDuplicates int     `json:"sandbox_duplicates"` // sends beyond the first to one customer
	WrongSender       int     `json:"wrong_sender"`       // replies not from the number the customer wrote to
	Missing           int     `json:"missing"`            // acknowledged webhooks with no send
	WaitS             float64 `json:"wait_s"`             // last webhook answer until the sandbox had them all
	WaitTimedOut      bool    `json:"wait_timed_out"`
	// End to end: distinct sends ÷ (last sandbox send − first POST).
	E2ES            float64        `json:"e2e_s"`
	FlowsPerS       float64        `json:"flows_per_s"`
	TriggerToSendMs latencySummary `json:"trigger_to_send_ms"` // sandbox send − that customer's POST start
	PerSender       []senderStats  `json:"per_sender"`

	// The server's run records for the flow.
	Runs          map[string]int `json:"runs"` // status -> count
	RunsCompleted int            `json:"runs_completed"`
	RunsFailed    int            `json:"runs_failed"`
	RunErrors     map[string]int `json:"run_errors,omitempty"` // error code -> failed runs
	DuplicateRuns int            `json:"duplicate_runs"`       // runs beyond the first for one customer
	ShortRuns     int            `json:"short_runs"`           // completed with fewer steps than the flow has
	RunsSettleS   float64        `json:"runs_settle_s"`        // after the wait, until no run was running or waiting
	RunsError     string         `json:"runs_error,omitempty"`

	// Resources over the measured window (first POST to the last send).
	PeakRSSMiB    float64 `json:"peak_rss_mib,omitempty"`
	MeanRSSMiB    float64 `json:"mean_rss_mib,omitempty"`
	HWMMiB        float64 `json:"vm_hwm_mib,omitempty"`
	RSSError      string  `json:"rss_error,omitempty"`
	ServerCPUPct  float64 `json:"server_cpu_pct,omitempty"` // of one core
	ClientCPUPct  float64 `json:"client_cpu_pct"`
	MachineCPUPct float64 `json:"machine_cpu_pct,omitempty"` // all processes (PostgreSQL too), of one core
	Cores         int     `json:"cores,omitempty"`
	// Writer: SQLite's one writer over the same window, per acknowledged
	// webhook (one flow each); nil on PostgreSQL.
	Writer *writerStats `json:"writer,omitempty"`
}

// lost reports why the run does not count as clean, or "" if nothing was
// lost, doubled, misrouted or failed.
func (r *flowsResult) lost() string {
	switch {
	case r.Acknowledged < r.N:
		return fmt.Sprintf("%d/%d webhooks acknowledged", r.Acknowledged, r.N)
	case r.Missing > 0 || r.SandboxSent < r.Acknowledged:
		return fmt.Sprintf("%d acknowledged webhooks never became a send", max(r.Missing, r.Acknowledged-r.SandboxSent))
	case r.SandboxDuplicates > 0:
		return fmt.Sprintf("%d duplicate sends", r.SandboxDuplicates)
	case r.WrongSender > 0:
		return fmt.Sprintf("%d sends from another number than the customer wrote to", r.WrongSender)
	case r.RunsError != "":
		return "could not read the runs: " + r.RunsError
	case r.RunsFailed > 0:
		return fmt.Sprintf("%d runs failed", r.RunsFailed)
	case r.DuplicateRuns > 0:
		return fmt.Sprintf("%d duplicate runs", r.DuplicateRuns)
	case r.RunsCompleted < r.Acknowledged:
		return fmt.Sprintf("only %d/%d runs completed", r.RunsCompleted, r.Acknowledged)
	case r.ShortRuns > 0:
		return fmt.Sprintf("%d completed runs recorded fewer than %d steps", r.ShortRuns, benchFlowSteps)
	}
	return ""
}

// inboundPost is one webhook POST; each index is written by one worker only.
type inboundPost struct {
	start   time.Time // just before the request was written: the trigger time
	end     time.Time
	status  int // 0: transport error or never attempted
	err     string
	phoneID string
}

func runFlows(ctx context.Context, cfg *flowsConfig) (*flowsResult, error) {
	tr := newTransport(cfg.Concurrency)
	defer tr.CloseIdleConnections()
	c := &apiClient{base: cfg.URL, key: cfg.Key, http: &http.Client{Transport: tr, Timeout: cfg.Timeout}}
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}

	if cfg.PID > 0 {
		// Fail on a wrong pid before changing anything on the server.
		if _, err := readProcMemory(cfg.PID); err != nil {
			return nil, fmt.Errorf("server pid %d: %w", cfg.PID, err)
		}
	}
	senders, err := setupSenders(ctx, c, cfg.Account, cfg.Senders, cfg.Rate, progress)
	if err != nil {
		return nil, err
	}
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	flowID, err := createBenchFlow(ctx, c, "zapflow-bench "+runID, progress)
	if flowID != 0 && !cfg.Keep {
		defer func() {
			// A fresh context: an interrupted run still switches its flow off.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if _, err := c.do(dctx, http.MethodPost, "/api/v1/flows/"+strconv.FormatInt(flowID, 10)+"/disable", nil, nil, http.StatusOK); err != nil {
				fmt.Fprintf(progress, "warning: could not disable flow %d: %v\n", flowID, err)
			}
		}()
	}
	if err != nil {
		return nil, err
	}
	baseline, countable := sentCount(ctx, c)

	res := &flowsResult{
		URL: cfg.URL, FlowID: flowID, N: cfg.N, Concurrency: cfg.Concurrency, Pace: cfg.Pace,
		RatePerSender: cfg.Rate, ConfiguredPerS: cfg.Rate * len(senders), Non200: map[int]int64{},
	}
	var sampler *rssSampler
	if cfg.PID > 0 {
		if sampler, err = startRSSSampler(cfg.PID, 100*time.Millisecond); err != nil {
			return nil, fmt.Errorf("server pid %d: %w", cfg.PID, err)
		}
	}
	cpu := startCPUWindow(cfg.PID)
	writer := startWriterWindow(ctx, c.http, webhookURL(cfg.URL, cfg.Account))

	// 1. The inbound messages, customer i = base+i, round-robin over the senders.
	phoneIDs := make([]string, len(senders))
	for i, s := range senders {
		phoneIDs[i] = s.PhoneNumberID
	}
	pc := &payloadConfig{Secret: []byte(cfg.Secret), WABA: cfg.WABA, PhoneIDs: phoneIDs,
		Customers: maxCustomers, Batch: 1, RunID: runID}
	base := uint64(time.Now().UnixNano()/1000) % maxCustomers
	posts := postInbound(ctx, c.http, webhookURL(cfg.URL, cfg.Account), pc, base, cfg)

	customers := make(map[string]int, cfg.N) // wa_id -> index of acknowledged POSTs
	var firstPost, lastAnswer time.Time
	var postLat []time.Duration
	for i, p := range posts {
		if p.start.IsZero() {
			continue // never attempted (interrupted)
		}
		if firstPost.IsZero() || p.start.Before(firstPost) {
			firstPost = p.start
		}
		if p.end.After(lastAnswer) {
			lastAnswer = p.end
		}
		switch {
		case p.status == http.StatusOK:
			customers[customerWaID(base, i)] = i
			postLat = append(postLat, p.end.Sub(p.start))
		case p.status == 0:
			res.TransportErrors++
		default:
			res.Non200[p.status]++
		}
		if p.err != "" && len(res.ErrorSamples) < 5 && !slices.Contains(res.ErrorSamples, p.err) {
			res.ErrorSamples = append(res.ErrorSamples, p.err)
		}
	}
	res.Acknowledged = len(customers)
	res.IntakeS = lastAnswer.Sub(firstPost).Seconds()
	if res.IntakeS > 0 {
		res.IntakePerS = float64(res.Acknowledged) / res.IntakeS
	}
	res.PostLatencyMs = summarizeMs(postLat)

	// 2. Wait for the sandbox to have sent one reply per acknowledged webhook.
	var ours []sandboxSent
	if res.Acknowledged > 0 {
		fmt.Fprintf(progress, "posted %d/%d webhooks in %.2fs; waiting for the flows to send (max %s)...\n",
			res.Acknowledged, cfg.N, res.IntakeS, cfg.MaxWait)
		ours, res.WaitTimedOut = waitSandbox(ctx, c, cfg, customers, firstPost, baseline, countable, progress)
	}
	waitEnd := time.Now()
	res.WaitS = waitEnd.Sub(lastAnswer).Seconds()
	if sampler != nil {
		sum := sampler.Stop()
		res.PeakRSSMiB, res.MeanRSSMiB, res.HWMMiB = mib(sum.PeakKiB), mib(sum.MeanKiB), mib(sum.HWMKiB)
		if sum.Err != nil {
			res.RSSError = sum.Err.Error()
		}
	}
	cpu.stop(res)
	res.Writer = writer.stop(ctx, int64(res.Acknowledged))
	matchSends(res, ours, posts, customers, senders, firstPost)

	// 3. The server's own account: every run of the flow.
	switch {
	case res.Acknowledged == 0:
	case ctx.Err() != nil:
		// Interrupted: report the rest now rather than page through runs.
		res.RunsError = "not read: interrupted"
	default:
		countRuns(ctx, c, cfg, res, customers, progress)
	}
	return res, nil
}

// maxCustomers bounds customer numbers to 5511900000000..5511999999999,
// valid Brazilian mobiles; a run's customers are distinct for N < 10^8.
const maxCustomers = 100_000_000

// customerWaID is the wa_id appendPayload writes for sequence number base+i
// (one message per POST).
func customerWaID(base uint64, i int) string {
	return strconv.FormatInt(firstCustomer+int64((base+uint64(i))%maxCustomers), 10)
}

// postInbound POSTs cfg.N webhooks, message i from customer base+i, with
// cfg.Concurrency in flight and, with cfg.Pace, no faster than that rate.
func postInbound(ctx context.Context, client *http.Client, target string, pc *payloadConfig, base uint64, cfg *flowsConfig) []inboundPost {
	posts := make([]inboundPost, cfg.N)
	// The HMAC state is reused per worker; the pool hands one to each call.
	gens := sync.Pool{New: func() any { return newGenerator(pc, nil) }}
	start := time.Now()
	forEach(ctx, cfg.N, cfg.Concurrency, func(i int) {
		if cfg.Pace > 0 {
			due := start.Add(time.Duration(i) * time.Second / time.Duration(cfg.Pace))
			if d := time.Until(due); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return
				}
			}
		}
		g := gens.Get().(*generator)
		seq := base + uint64(i)
		body := appendPayload(make([]byte, 0, 1024), pc, seq, time.Now().Unix())
		sig := g.sign(body)
		gens.Put(g)
		p := &posts[i]
		p.phoneID = pc.PhoneIDs[seq%uint64(len(pc.PhoneIDs))]
		p.start = time.Now()
		p.status, p.err = postWebhook(ctx, client, target, body, sig)
		p.end = time.Now()
	})
	return posts
}

// postWebhook sends one signed body the way Meta does and returns the status.
func postWebhook(ctx context.Context, client *http.Client, target string, body []byte, sig string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header = http.Header{
		"Content-Type":        {"application/json"},
		"X-Hub-Signature-256": {sig},
		"User-Agent":          {"facebookexternalua"},
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	data, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Sprintf("webhook: %d %s", resp.StatusCode, snippet(data))
	}
	return resp.StatusCode, ""
}

// matchSends pairs each of our customers' sandbox sends with that
// customer's POST: latency, duplicates, wrong sender, per-sender pacing.
func matchSends(res *flowsResult, ours []sandboxSent, posts []inboundPost, customers map[string]int, senders []apiSender, firstPost time.Time) {
	idx := map[string]int{}
	for i, s := range senders {
		idx[s.PhoneNumberID] = i
	}
	times := make([][]time.Time, len(senders))
	seen := make(map[string]bool, len(ours))
	var lat []time.Duration
	var lastSend time.Time
	for _, m := range ours {
		i := customers[m.WaID]
		if seen[m.WaID] {
			res.SandboxDuplicates++
			continue
		}
		seen[m.WaID] = true
		if m.PhoneNumberID != posts[i].phoneID {
			res.WrongSender++
		}
		lat = append(lat, m.Time.Sub(posts[i].start))
		if k, ok := idx[m.PhoneNumberID]; ok {
			times[k] = append(times[k], m.Time)
		}
		if m.Time.After(lastSend) {
			lastSend = m.Time
		}
	}
	res.SandboxSent = len(seen)
	res.Missing = len(customers) - len(seen)
	res.TriggerToSendMs = summarizeMs(lat)
	if span := lastSend.Sub(firstPost); res.SandboxSent > 0 && span > 0 {
		res.E2ES = span.Seconds()
		res.FlowsPerS = float64(res.SandboxSent) / span.Seconds()
	}
	res.PerSender = perSenderStats(senders, times, res.RatePerSender)
}
