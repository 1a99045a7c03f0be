package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// cleanupConfig is what `zapflow-bench cleanup` needs: the server, its
// database (to seed), an admin key and a user for the inbox page.
type cleanupConfig struct {
	URL, Key, Email, Password string
	DatabaseURL, SQLitePath   string
	Seed                      seedConfig
	Readers                   int           // inbox loops per endpoint (API and page)
	Think                     time.Duration // each loop's pause between two requests
	Baseline                  time.Duration // inbox load alone, before the cleanup
	Timeout                   time.Duration // the cleanup request's
	PID                       int           // the server's, for its CPU time during the cleanup (0: not measured)
}

// cleanupResult is the report.
type cleanupResult struct {
	Messages          int64     `json:"messages_seeded"`
	DryRunSeconds     float64   `json:"dry_run_seconds"`
	CleanupSeconds    float64   `json:"cleanup_seconds"`
	ServerDurationMS  int64     `json:"server_duration_ms"`
	Removed           any       `json:"removed"`
	RemainingMessages int64     `json:"remaining_messages"`
	BaselineAPI       Latencies `json:"baseline_api"`
	BaselinePage      Latencies `json:"baseline_page"`
	DuringAPI         Latencies `json:"during_api"`
	DuringPage        Latencies `json:"during_page"`
	During            Latencies `json:"during_all"`
	Errors            int64     `json:"errors"`
	ServerCPUSeconds  float64   `json:"server_cpu_seconds"` // during the cleanup (inbox requests included)
	Readers           int       `json:"readers"`
	Think             string    `json:"think"`
	LoadAverage       string    `json:"load_average"` // the machine's, after the cleanup: other work skews the wall times
}

func cmdCleanup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := cleanupConfig{}
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server base `URL`")
	fs.StringVar(&cfg.Key, "key", "", "an admin API `key` (required)")
	fs.StringVar(&cfg.Email, "email", "", "a user to open the inbox page as (required)")
	fs.StringVar(&cfg.Password, "password", "", "that user's password (required)")
	fs.StringVar(&cfg.SQLitePath, "sqlite", "", "the server's SQLite database `file` to seed")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "or the server's PostgreSQL `URL` to seed")
	fs.IntVar(&cfg.Seed.Messages, "messages", 1000000, "messages to seed")
	fs.IntVar(&cfg.Seed.Conversations, "conversations", 10000, "conversations to spread them over")
	fs.Float64Var(&cfg.Seed.OldShare, "old", 0.9, "share of the messages dated before the cutoff")
	fs.Float64Var(&cfg.Seed.KeepConvShare, "keep-conversations", 0.3, "share of the conversations that also get recent messages (the rest are left empty)")
	fs.IntVar(&cfg.Seed.Retention, "retention", 30, "retention in days set before the run")
	fs.IntVar(&cfg.Readers, "readers", 2, "inbox loops per endpoint (GET /api/v1/conversations and the /inbox page)")
	fs.DurationVar(&cfg.Think, "think", 50*time.Millisecond, "each loop's pause between requests (0: back to back)")
	fs.DurationVar(&cfg.Baseline, "baseline", 5*time.Second, "inbox load alone before the cleanup")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Minute, "the cleanup request's timeout")
	fs.IntVar(&cfg.PID, "pid", 0, "server `pid`: report its CPU time during the cleanup")
	return runSubcommand(ctx, fs, args, stdout, stderr, subcommand[*cleanupResult]{
		prepare: func() error {
			cfg.URL = strings.TrimRight(cfg.URL, "/")
			switch {
			case cfg.Key == "" || cfg.Email == "" || cfg.Password == "":
				return errors.New("-key, -email and -password are required")
			case (cfg.SQLitePath == "") == (cfg.DatabaseURL == ""):
				return errors.New("give one of -sqlite and -database-url")
			case cfg.Seed.Messages < 1 || cfg.Seed.Conversations < 1 || cfg.Seed.Retention < 2:
				return errors.New("-messages and -conversations must be positive, -retention at least 2")
			}
			return nil
		},
		run:    func(ctx context.Context) (*cleanupResult, error) { return runCleanupBench(ctx, &cfg, stderr) },
		print:  printCleanup,
		failed: func(r *cleanupResult) string { return "" },
	})
}

// inboxLoad is the readers: closed loops on the inbox list (API and page)
// that record each request's latency while recording is on.
type inboxLoad struct {
	mu        sync.Mutex
	api, page []time.Duration
	recording atomic.Bool
	errors    atomic.Int64
}

func (l *inboxLoad) take() (api, page []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	api, page, l.api, l.page = l.api, l.page, nil, nil
	return api, page
}

func (l *inboxLoad) loop(ctx context.Context, client *http.Client, think time.Duration, req func() (*http.Request, error), page bool) {
	for ctx.Err() == nil {
		if think > 0 {
			time.Sleep(think)
		}
		r, err := req()
		if err != nil {
			l.errors.Add(1)
			return
		}
		start := time.Now()
		resp, err := client.Do(r.WithContext(ctx))
		if err != nil {
			if ctx.Err() == nil {
				l.errors.Add(1)
				time.Sleep(transportErrorPause)
			}
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if resp.StatusCode != http.StatusOK {
			l.errors.Add(1)
			continue
		}
		if l.recording.Load() {
			l.mu.Lock()
			if page {
				l.page = append(l.page, d)
			} else {
				l.api = append(l.api, d)
			}
			l.mu.Unlock()
		}
	}
}

func runCleanupBench(ctx context.Context, cfg *cleanupConfig, progress io.Writer) (*cleanupResult, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := seedHistory(ctx, db, cfg.Seed, time.Now(), progress); err != nil {
		return nil, err
	}
	res := &cleanupResult{Readers: cfg.Readers, Think: cfg.Think.String()}
	if err := db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM messages`).Scan(&res.Messages); err != nil {
		return nil, err
	}
	// Redirects are not followed: the login's answer carries the cookie.
	client := &http.Client{Transport: newTransport(4 * cfg.Readers),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	api := &apiClient{base: cfg.URL, key: cfg.Key, http: client}
	if _, err := api.do(ctx, http.MethodPut, "/api/v1/settings/cleanup", map[string]any{"retention_days": cfg.Seed.Retention}, nil, http.StatusOK); err != nil {
		return nil, err
	}
	cookie, err := inboxLogin(ctx, client, &inboxConfig{URL: cfg.URL, Email: cfg.Email, Password: cfg.Password})
	if err != nil {
		return nil, err
	}

	load := &inboxLoad{}
	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range cfg.Readers {
		wg.Go(func() {
			load.loop(lctx, client, cfg.Think, func() (*http.Request, error) {
				r, err := http.NewRequest(http.MethodGet, cfg.URL+"/api/v1/conversations?limit=50", nil)
				if err == nil {
					r.Header.Set("Authorization", "Bearer "+cfg.Key)
				}
				return r, err
			}, false)
		})
		wg.Go(func() {
			load.loop(lctx, client, cfg.Think, func() (*http.Request, error) {
				r, err := http.NewRequest(http.MethodGet, cfg.URL+"/inbox", nil)
				if err == nil {
					r.AddCookie(cookie)
				}
				return r, err
			}, true)
		})
	}
	defer func() { stop(); wg.Wait() }()

	fmt.Fprintf(progress, "inbox load alone for %s...\n", cfg.Baseline)
	load.recording.Store(true)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(cfg.Baseline):
	}
	a, p := load.take()
	res.BaselineAPI, res.BaselinePage = summarize(a), summarize(p)

	var run struct {
		DurationMS    int64 `json:"duration_ms"`
		Status        string
		Error         string
		Messages      int64 `json:"messages"`
		Media         int64 `json:"media"`
		Notes         int64 `json:"notes"`
		Conversations int64 `json:"conversations"`
		WebhookEvents int64 `json:"webhook_events"`
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	start := time.Now()
	if _, err := api.do(rctx, http.MethodPost, "/api/v1/cleanup/run", map[string]any{"dry_run": true}, &run, http.StatusOK); err != nil {
		return nil, err
	}
	res.DryRunSeconds = time.Since(start).Seconds()
	fmt.Fprintf(progress, "dry run: %d messages, %d conversations, %d media would go (%.1fs); cleaning...\n",
		run.Messages, run.Conversations, run.Media, res.DryRunSeconds)
	load.take() // the dry run's reads are not the measurement

	var cpu0 time.Duration
	if cfg.PID > 0 {
		cpu0, _ = readProcCPU(cfg.PID)
	}
	start = time.Now()
	if _, err := api.do(rctx, http.MethodPost, "/api/v1/cleanup/run", map[string]any{}, &run, http.StatusOK); err != nil {
		return nil, err
	}
	res.CleanupSeconds = time.Since(start).Seconds()
	if cfg.PID > 0 {
		if cpu1, err := readProcCPU(cfg.PID); err == nil {
			res.ServerCPUSeconds = (cpu1 - cpu0).Seconds()
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		res.LoadAverage = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	a, p = load.take()
	res.DuringAPI, res.DuringPage = summarize(a), summarize(p)
	res.During = summarize(append(a, p...))
	res.ServerDurationMS = run.DurationMS
	res.Removed = map[string]any{"status": run.Status, "error": run.Error, "messages": run.Messages, "media": run.Media,
		"notes": run.Notes, "conversations": run.Conversations, "webhook_events": run.WebhookEvents}
	res.Errors = load.errors.Load()
	if err := db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM messages`).Scan(&res.RemainingMessages); err != nil {
		return nil, err
	}
	return res, nil
}

func printCleanup(w io.Writer, r *cleanupResult) {
	row := func(name string, l Latencies) {
		fmt.Fprintf(w, "  %-26s n=%-6d p50=%7.1fms p90=%7.1fms p99=%7.1fms max=%7.1fms\n", name, l.Count, ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max))
	}
	fmt.Fprintf(w, "messages seeded:     %d\n", r.Messages)
	fmt.Fprintf(w, "dry run:             %.2fs\n", r.DryRunSeconds)
	fmt.Fprintf(w, "cleanup:             %.2fs wall (server %.2fs), removed %v\n", r.CleanupSeconds, float64(r.ServerDurationMS)/1000, r.Removed)
	fmt.Fprintf(w, "messages left:       %d\n", r.RemainingMessages)
	fmt.Fprintf(w, "server CPU:          %.1fs during the cleanup (inbox requests included); load average after: %s\n", r.ServerCPUSeconds, r.LoadAverage)
	fmt.Fprintf(w, "inbox latency (%d loops per endpoint, %s between requests; errors %d):\n", r.Readers, r.Think, r.Errors)
	row("API, before the cleanup", r.BaselineAPI)
	row("page, before the cleanup", r.BaselinePage)
	row("API, during the cleanup", r.DuringAPI)
	row("page, during the cleanup", r.DuringPage)
	row("all, during the cleanup", r.During)
}
