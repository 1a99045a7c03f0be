package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// inboxConfig is what `zapflow-bench inbox` needs: a user to log in as and
// how many event streams to hold open.
type inboxConfig struct {
	URL, Email, Password string
	Streams              int
	PID                  int
	Settle               time.Duration // after opening the streams, before measuring memory
	Duration             time.Duration // the longest it runs (SIGINT/SIGTERM end it earlier)
	Ready                string        // file created once every stream is open
}

// inboxResult is the report: memory per open stream and how long events
// took from their commit to each stream.
type inboxResult struct {
	Streams           int       `json:"streams"`
	RSSBeforeKiB      int64     `json:"rss_before_kib"`
	RSSAfterKiB       int64     `json:"rss_after_kib"`
	PerStreamKiB      float64   `json:"per_stream_kib"`
	Delivery          Latencies `json:"delivery"`
	MinPerStream      int       `json:"min_events_per_stream"`
	MaxPerStream      int       `json:"max_events_per_stream"`
	Reconnects        int       `json:"reconnects"`
	Repeated          int       `json:"repeated"`
	ServerPeakRSSKiB  int64     `json:"server_peak_rss_kib"`
	ServerCPUSeconds  float64   `json:"server_cpu_seconds"`
	MeasuredForSecond float64   `json:"measured_for_seconds"`
}

func cmdInbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := inboxConfig{}
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server base `URL`")
	fs.StringVar(&cfg.Email, "email", "", "a web app user's email (required)")
	fs.StringVar(&cfg.Password, "password", "", "that user's password (required)")
	fs.IntVar(&cfg.Streams, "streams", 200, "event streams to hold open")
	fs.IntVar(&cfg.PID, "pid", 0, "server `pid`: memory per stream is its VmRSS growth divided by the streams (required)")
	fs.DurationVar(&cfg.Settle, "settle", 2*time.Second, "wait after opening the streams before measuring memory")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Minute, "the longest run; SIGINT or SIGTERM ends it and prints the report")
	fs.StringVar(&cfg.Ready, "ready", "", "`file` to create once every stream is open (scripts start their load then)")
	return runSubcommand(ctx, fs, args, stdout, stderr, subcommand[*inboxResult]{
		prepare: func() error {
			cfg.URL = strings.TrimRight(cfg.URL, "/")
			if cfg.Email == "" || cfg.Password == "" || cfg.PID <= 0 || cfg.Streams <= 0 {
				return errors.New("-email, -password, -pid and a positive -streams are required")
			}
			return nil
		},
		run:    func(ctx context.Context) (*inboxResult, error) { return runInbox(ctx, &cfg, stderr) },
		print:  printInbox,
		failed: func(*inboxResult) string { return "" },
	})
}

func runInbox(ctx context.Context, cfg *inboxConfig, progress io.Writer) (*inboxResult, error) {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: cfg.Streams},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cookie, err := inboxLogin(ctx, client, cfg)
	if err != nil {
		return nil, err
	}
	before, err := readProcMemory(cfg.PID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	streamCtx, stopStreams := context.WithCancel(context.WithoutCancel(ctx))
	defer stopStreams()
	res := &inboxResult{Streams: cfg.Streams, RSSBeforeKiB: before.RSSKiB}
	streams := make([]*benchStream, cfg.Streams)
	var opened sync.WaitGroup
	var done sync.WaitGroup
	for i := range streams {
		s := &benchStream{cfg: cfg, client: client, cookie: cookie}
		streams[i] = s
		opened.Add(1)
		done.Add(1)
		go func() { defer done.Done(); s.run(streamCtx, opened.Done) }()
	}
	opened.Wait()
	if ctx.Err() != nil || streamCtx.Err() != nil {
		return nil, errors.New("ended before every stream was open")
	}
	select {
	case <-time.After(cfg.Settle):
	case <-ctx.Done():
	}
	after, err := readProcMemory(cfg.PID)
	if err != nil {
		return nil, err
	}
	res.RSSAfterKiB = after.RSSKiB
	res.PerStreamKiB = float64(after.RSSKiB-before.RSSKiB) / float64(cfg.Streams)
	fmt.Fprintf(progress, "inbox: %d streams open, %.1f KiB RSS each\n", cfg.Streams, res.PerStreamKiB)
	cpu0, _ := readProcCPU(cfg.PID)
	sampler, err := startRSSSampler(cfg.PID, 100*time.Millisecond)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if cfg.Ready != "" {
		if err := os.WriteFile(cfg.Ready, nil, 0o600); err != nil {
			return nil, err
		}
	}
	<-ctx.Done()
	// The load ended: let the streams catch up (those that reconnect read
	// what they missed) until none has received anything for quiet.
	waitQuiet(streams, quiet, time.Minute)
	stopStreams()
	res.MeasuredForSecond = time.Since(start).Seconds()
	peak := sampler.Stop()
	res.ServerPeakRSSKiB = peak.PeakKiB
	if cpu1, err := readProcCPU(cfg.PID); err == nil {
		res.ServerCPUSeconds = (cpu1 - cpu0).Seconds()
	}
	done.Wait()
	var all []time.Duration
	res.MinPerStream = -1
	for _, s := range streams {
		all = append(all, s.delays...)
		res.Reconnects += s.reconnects
		res.Repeated += s.repeated
		if res.MinPerStream < 0 || len(s.delays) < res.MinPerStream {
			res.MinPerStream = len(s.delays)
		}
		res.MaxPerStream = max(res.MaxPerStream, len(s.delays))
	}
	res.Delivery = summarize(all)
	return res, nil
}

// inboxLogin signs in through the login form (as a browser on this site)
// and returns the session cookie.
func inboxLogin(ctx context.Context, client *http.Client, cfg *inboxConfig) (*http.Cookie, error) {
	form := url.Values{"email": {cfg.Email}, "password": {cfg.Password}, "next": {"/inbox"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", cfg.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "zapflow_session" && c.Value != "" {
			return c, nil
		}
	}
	return nil, fmt.Errorf("login as %s failed: HTTP %d", cfg.Email, resp.StatusCode)
}

// benchStream is one browser's event stream: it records, for each event,
// the time from the event's commit (its "at") to its arrival, and
// reconnects with Last-Event-ID when the server closes it.
type benchStream struct {
	cfg        *inboxConfig
	client     *http.Client
	cookie     *http.Cookie
	lastID     string
	seen       []uint64 // bit per event id: a repeat is counted, not sent twice to the report
	delays     []time.Duration
	reconnects int
	repeated   int          // events received twice
	lastEvent  atomic.Int64 // unix ns of the latest arrival
}

// quiet is how long no stream may receive anything before the run ends.
const quiet = 3 * time.Second

// waitQuiet waits until no stream has received an event for d, or limit.
func waitQuiet(streams []*benchStream, d, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var latest int64
		for _, s := range streams {
			latest = max(latest, s.lastEvent.Load())
		}
		if time.Since(time.Unix(0, latest)) >= d {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *benchStream) run(ctx context.Context, opened func()) {
	first := true
	for ctx.Err() == nil {
		err := s.follow(ctx, func() {
			if first {
				first = false
				opened()
			}
		})
		if ctx.Err() != nil {
			break
		}
		if first {
			fmt.Fprintf(os.Stderr, "inbox: stream failed to open: %v\n", err)
			first = false
			opened()
			return
		}
		s.reconnects++
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	if first {
		opened()
	}
}

func (s *benchStream) follow(ctx context.Context, connected func()) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL+"/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.AddCookie(s.cookie)
	if s.lastID != "" {
		req.Header.Set("Last-Event-ID", s.lastID)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	connected()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			s.lastID = strings.TrimPrefix(line, "id: ")
			if id, err := strconv.ParseInt(s.lastID, 10, 64); err == nil && id > 0 {
				for int(id/64) >= len(s.seen) {
					s.seen = append(s.seen, 0)
				}
				if s.seen[id/64]&(1<<(id%64)) != 0 {
					s.repeated++
				}
				s.seen[id/64] |= 1 << (id % 64)
			}
			s.lastEvent.Store(time.Now().UnixNano())
		case strings.HasPrefix(line, "data: "):
			var d struct {
				At int64 `json:"at"`
			}
			if json.Unmarshal([]byte(line[len("data: "):]), &d) == nil && d.At > 0 {
				s.delays = append(s.delays, time.Since(time.UnixMilli(d.At)))
			}
		}
	}
	return sc.Err()
}

func printInbox(w io.Writer, r *inboxResult) {
	fmt.Fprintf(w, "event streams:       %d open, reconnects %d (a stream that falls behind is closed and resumes from its last id)\n", r.Streams, r.Reconnects)
	fmt.Fprintf(w, "memory per stream:   %.1f KiB (server RSS %.1f → %.1f MiB with the streams open, idle)\n",
		r.PerStreamKiB, mib(r.RSSBeforeKiB), mib(r.RSSAfterKiB))
	fmt.Fprintf(w, "events delivered:    %d in %.1fs (per stream: min %d, max %d; received twice: %d)\n", r.Delivery.Count, r.MeasuredForSecond,
		r.MinPerStream, r.MaxPerStream, r.Repeated)
	fmt.Fprintf(w, "commit → received:   p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n",
		ms(r.Delivery.P50), ms(r.Delivery.P90), ms(r.Delivery.P99), ms(r.Delivery.Max))
	fmt.Fprintf(w, "server under load:   peak RSS %.1f MiB, CPU %s s\n", mib(r.ServerPeakRSSKiB), strconv.FormatFloat(r.ServerCPUSeconds, 'f', 1, 64))
}
