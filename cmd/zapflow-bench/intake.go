package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// intakeConfig is the parsed command line of `zapflow-bench intake`.
type intakeConfig struct {
	URL         string
	Duration    time.Duration
	Warmup      time.Duration
	Concurrency int
	Timeout     time.Duration
	Dup         float64
	PID         int // 0: do not sample server memory/CPU
	Payload     payloadConfig
}

// intakeResult is what a run measured. It is printed as text and, with
// -json, as one JSON line for scripts.
type intakeResult struct {
	URL         string  `json:"url"`
	Concurrency int     `json:"concurrency"`
	Batch       int     `json:"batch"`
	DurationS   float64 `json:"duration_s"` // measured: first send to last answer
	WarmupS     float64 `json:"warmup_s"`

	Requests          int64         `json:"requests"`
	DuplicateRequests int64         `json:"duplicate_requests"`
	OK                int64         `json:"ok"`
	Non200            map[int]int64 `json:"non_200"` // status code -> count
	TransportErrors   int64         `json:"transport_errors"`
	ErrorSamples      []string      `json:"error_samples,omitempty"`

	// AcceptedMessages counts messages in 200-answered requests, duplicate
	// re-sends included: it is the load the server committed.
	AcceptedMessages int64 `json:"accepted_messages"`
	// UniqueAcceptedMessages counts distinct wamids answered 200 at least
	// once: what the server should hold after deduplication.
	UniqueAcceptedMessages int64   `json:"unique_accepted_messages"`
	MessagesPerS           float64 `json:"accepted_messages_per_s"`
	RequestsPerS           float64 `json:"requests_per_s"`

	LatencyMs struct {
		P50  float64 `json:"p50"`
		P90  float64 `json:"p90"`
		P99  float64 `json:"p99"`
		Max  float64 `json:"max"`
		Mean float64 `json:"mean"`
	} `json:"latency_ms"`
	LatencyCount int `json:"latency_count"`

	PeakRSSMiB float64 `json:"peak_rss_mib,omitempty"`
	MeanRSSMiB float64 `json:"mean_rss_mib,omitempty"`
	HWMMiB     float64 `json:"vm_hwm_mib,omitempty"`
	RSSError   string  `json:"rss_error,omitempty"`
	// CPU in percent of one core over the measured window. The client runs
	// on the same machine, so its share is CPU the server could not use.
	ServerCPUPct float64 `json:"server_cpu_pct,omitempty"`
	ClientCPUPct float64 `json:"client_cpu_pct"`

	// Processing is nil when the server exposes no event metrics.
	Processing *processingStats `json:"processing,omitempty"`
	// Writer: SQLite's one writer over the measured window, per accepted
	// message; nil on PostgreSQL.
	Writer *writerStats `json:"writer,omitempty"`
}

// newTransport returns a keep-alive transport that can hold one idle
// connection per worker. The default MaxIdleConnsPerHost of 2 would make
// nearly every request dial a new connection, benchmarking TCP set-up and
// TIME_WAIT exhaustion instead of the server.
func newTransport(concurrency int) *http.Transport {
	return &http.Transport{
		Proxy: nil, // never route loopback load through an environment proxy
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:        concurrency,
		MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true, // Meta does not send gzip; don't pay for it
		ForceAttemptHTTP2:   false,
	}
}

// phaseStats accumulates one worker's results for one phase; workers never
// share them, so the hot path takes no locks.
type phaseStats struct {
	requests, dupRequests, ok, transportErrs int64
	accepted, uniqueAccepted                 int64
	status                                   map[int]int64
	latencies                                []time.Duration
	errSamples                               []string
}

func (s *phaseStats) merge(o *phaseStats) {
	s.requests += o.requests
	s.dupRequests += o.dupRequests
	s.ok += o.ok
	s.transportErrs += o.transportErrs
	s.accepted += o.accepted
	s.uniqueAccepted += o.uniqueAccepted
	for code, n := range o.status {
		s.status[code] += n
	}
	s.latencies = append(s.latencies, o.latencies...)
	for _, e := range o.errSamples {
		if len(s.errSamples) < 5 && !slices.Contains(s.errSamples, e) {
			s.errSamples = append(s.errSamples, e)
		}
	}
}

// worker sends one request at a time, back to back (closed loop): the
// offered load is whatever the server can absorb at this concurrency, which
// is what a throughput target measures.
type worker struct {
	cfg    *intakeConfig
	client *http.Client
	gen    *generator
	rng    *rand.Rand
}

// transportErrorPause keeps a worker from spinning at full speed against a
// refusing or resetting server, which would starve the server of CPU.
const transportErrorPause = 10 * time.Millisecond

func (w *worker) run(ctx context.Context, until time.Time, st *phaseStats) {
	for ctx.Err() == nil && time.Now().Before(until) {
		body, sig := w.gen.next()
		ok := w.send(body, sig, false, false, st)
		// Meta re-delivers notifications (retries, multiple subscribed
		// apps); a re-send right away is the worst case for dedup races.
		if w.cfg.Dup > 0 && w.rng.Float64() < w.cfg.Dup && ctx.Err() == nil {
			w.send(body, sig, true, ok, st)
		}
	}
}

// send posts one body and records the outcome. origOK tells a duplicate
// whether its original was already acknowledged, for the unique count.
func (w *worker) send(body []byte, sig string, dup, origOK bool, st *phaseStats) bool {
	req, err := http.NewRequest(http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		panic(err) // URL was validated up front
	}
	// Assigning the map directly skips canonicalisation; keys are canonical.
	req.Header = http.Header{
		"Content-Type":        {"application/json"},
		"X-Hub-Signature-256": {sig},
		"User-Agent":          {"facebookexternalua"},
	}
	st.requests++
	if dup {
		st.dupRequests++
	}
	start := time.Now()
	resp, err := w.client.Do(req)
	if err != nil {
		st.transportErrs++
		if len(st.errSamples) < 5 {
			msg := err.Error()
			if !slices.Contains(st.errSamples, msg) {
				st.errSamples = append(st.errSamples, msg)
			}
		}
		time.Sleep(transportErrorPause)
		return false
	}
	// Drain so the connection goes back to the idle pool for reuse.
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	st.latencies = append(st.latencies, time.Since(start))
	if resp.StatusCode != http.StatusOK {
		st.status[resp.StatusCode]++
		return false
	}
	n := int64(w.cfg.Payload.Batch)
	st.ok++
	st.accepted += n
	if !dup || !origOK {
		st.uniqueAccepted += n
	}
	return true
}

// runPhase runs all workers for d (or until ctx is cancelled) and returns the
// merged stats and the wall time from start until the last in-flight request
// finished. Requests started before the deadline are allowed to complete and
// are counted, and the elapsed time includes them, so the rate is honest.
func runPhase(ctx context.Context, workers []*worker, d time.Duration) (*phaseStats, time.Duration) {
	per := make([]phaseStats, len(workers))
	start := time.Now()
	until := start.Add(d)
	var wg sync.WaitGroup
	for i, w := range workers {
		per[i] = phaseStats{status: map[int]int64{}, latencies: make([]time.Duration, 0, 4096)}
		wg.Go(func() { w.run(ctx, until, &per[i]) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	total := &phaseStats{status: map[int]int64{}}
	for i := range per {
		total.merge(&per[i])
	}
	return total, elapsed
}

// runIntake does the warm-up (results discarded: it fills connection pools,
// the server's caches and prepared statements) and the measured phase.
func runIntake(ctx context.Context, cfg *intakeConfig) (*intakeResult, error) {
	var sampler *rssSampler
	if cfg.PID > 0 {
		// Sampling covers warm-up too: a memory spike there is still a spike.
		var err error
		if sampler, err = startRSSSampler(cfg.PID, 100*time.Millisecond); err != nil {
			return nil, fmt.Errorf("server pid %d: %w", cfg.PID, err)
		}
	}

	tr := newTransport(cfg.Concurrency)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.Timeout}
	var seq atomic.Uint64
	workers := make([]*worker, cfg.Concurrency)
	seed := uint64(time.Now().UnixNano())
	for i := range workers {
		workers[i] = &worker{
			cfg:    cfg,
			client: client,
			gen:    newGenerator(&cfg.Payload, &seq),
			rng:    rand.New(rand.NewPCG(seed, uint64(i))),
		}
	}

	if cfg.Warmup > 0 {
		runPhase(ctx, workers, cfg.Warmup)
	}

	cpu0, srvCPU0 := selfCPU(), time.Duration(-1)
	if cfg.PID > 0 {
		if c, err := readProcCPU(cfg.PID); err == nil {
			srvCPU0 = c
		}
	}
	metricsClient := &http.Client{Timeout: 5 * time.Second}
	processed0, _, haveMetrics := eventCounters(ctx, metricsClient, cfg.URL)
	writer := startWriterWindow(ctx, metricsClient, cfg.URL)
	st, elapsed := runPhase(ctx, workers, cfg.Duration)
	cpu1 := selfCPU()
	writerStats := writer.stop(ctx, st.accepted)
	var proc *processingStats
	if processed1, pending, ok := eventCounters(ctx, metricsClient, cfg.URL); haveMetrics && ok {
		proc = &processingStats{ProcessedPerS: float64(processed1-processed0) / elapsed.Seconds(), PendingAtEnd: pending}
	}

	res := &intakeResult{
		URL:                    cfg.URL,
		Concurrency:            cfg.Concurrency,
		Batch:                  cfg.Payload.Batch,
		DurationS:              elapsed.Seconds(),
		WarmupS:                cfg.Warmup.Seconds(),
		Requests:               st.requests,
		DuplicateRequests:      st.dupRequests,
		OK:                     st.ok,
		Non200:                 st.status,
		TransportErrors:        st.transportErrs,
		ErrorSamples:           st.errSamples,
		AcceptedMessages:       st.accepted,
		UniqueAcceptedMessages: st.uniqueAccepted,
		MessagesPerS:           float64(st.accepted) / elapsed.Seconds(),
		RequestsPerS:           float64(st.requests) / elapsed.Seconds(),
		ClientCPUPct:           100 * (cpu1 - cpu0).Seconds() / elapsed.Seconds(),
		Writer:                 writerStats,
	}
	lat := summarize(st.latencies)
	res.LatencyCount = lat.Count
	res.LatencyMs.P50, res.LatencyMs.P90, res.LatencyMs.P99 = ms(lat.P50), ms(lat.P90), ms(lat.P99)
	res.LatencyMs.Max, res.LatencyMs.Mean = ms(lat.Max), ms(lat.Mean)

	if proc != nil {
		proc.DrainS = waitDrained(ctx, metricsClient, cfg.URL, 2*time.Minute)
		res.Processing = proc
	}
	if sampler != nil {
		if c, err := readProcCPU(cfg.PID); err == nil && srvCPU0 >= 0 {
			res.ServerCPUPct = 100 * (c - srvCPU0).Seconds() / elapsed.Seconds()
		}
		sum := sampler.Stop()
		res.PeakRSSMiB, res.MeanRSSMiB, res.HWMMiB = mib(sum.PeakKiB), mib(sum.MeanKiB), mib(sum.HWMKiB)
		if sum.Err != nil {
			res.RSSError = sum.Err.Error()
		}
	}
	return res, nil
}

// printIntake writes the human-readable report.
func printIntake(w io.Writer, r *intakeResult) {
	fmt.Fprintf(w, "target:         %s (%d workers, batch %d, warm-up %.1fs)\n", r.URL, r.Concurrency, r.Batch, r.WarmupS)
	fmt.Fprintf(w, "duration:       %.3fs measured\n", r.DurationS)
	fmt.Fprintf(w, "requests:       %d (%.0f/s), %d duplicate re-sends\n", r.Requests, r.RequestsPerS, r.DuplicateRequests)
	fmt.Fprintf(w, "  200:          %d\n", r.OK)
	fmt.Fprintf(w, "  non-200:      %s\n", formatStatuses(r.Non200))
	fmt.Fprintf(w, "  transport errors: %d\n", r.TransportErrors)
	for _, e := range r.ErrorSamples {
		fmt.Fprintf(w, "    e.g. %s\n", e)
	}
	fmt.Fprintf(w, "accepted:       %d messages = %.0f msg/s (%d unique)\n", r.AcceptedMessages, r.MessagesPerS, r.UniqueAcceptedMessages)
	fmt.Fprintf(w, "latency:        p50 %.2fms  p90 %.2fms  p99 %.2fms  max %.2fms  (mean %.2fms, n=%d)\n",
		r.LatencyMs.P50, r.LatencyMs.P90, r.LatencyMs.P99, r.LatencyMs.Max, r.LatencyMs.Mean, r.LatencyCount)
	if r.PeakRSSMiB > 0 || r.RSSError != "" {
		fmt.Fprintf(w, "server RSS:     peak %.1f MiB, mean %.1f MiB, VmHWM %s\n", r.PeakRSSMiB, r.MeanRSSMiB, formatMiB(r.HWMMiB))
		if r.RSSError != "" {
			fmt.Fprintf(w, "  sampling stopped early: %s\n", r.RSSError)
		}
		fmt.Fprintf(w, "cpu:            server %.0f%%, bench client %.0f%% (of one core)\n", r.ServerCPUPct, r.ClientCPUPct)
	} else {
		fmt.Fprintf(w, "cpu:            bench client %.0f%% (of one core)\n", r.ClientCPUPct)
	}
	if r.Processing != nil {
		printProcessing(w, r.Processing)
	}
	if r.Writer != nil {
		fmt.Fprintf(w, "writer:         SQLite's one writer held %s of the run, %.0f µs per message\n", r.Writer, r.Writer.UsPer)
	}
}

func formatStatuses(m map[int]int64) string {
	if len(m) == 0 {
		return "0"
	}
	codes := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = strconv.Itoa(c) + "=" + strconv.FormatInt(m[c], 10)
	}
	return strings.Join(parts, " ")
}

// formatMiB prints n/a for 0, which means "could not be read" (the process
// exited), not "no memory".
func formatMiB(v float64) string {
	if v == 0 {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " MiB"
}
