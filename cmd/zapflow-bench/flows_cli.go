package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

func cmdFlows(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flows", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := flowsConfig{}
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server base `URL` (API, webhooks and /sandbox on the same host)")
	fs.StringVar(&cfg.Key, "key", "", "admin API `key` (required: creating flows and senders needs an admin)")
	fs.Int64Var(&cfg.Account, "account", 1, "account `id` whose webhook URL and senders are used")
	fs.StringVar(&cfg.Secret, "secret", "", "the account's app secret, used to sign webhooks (required; the sandbox's is random per installation: 'zapflow sandbox secret' prints it)")
	fs.StringVar(&cfg.WABA, "waba", "100000000000001", "WhatsApp Business Account id (entry[].id)")
	fs.IntVar(&cfg.N, "n", 20000, "inbound messages, each from a new customer, each starting one flow run")
	fs.IntVar(&cfg.Senders, "senders", 2, "business numbers the messages arrive on, round-robin; above the account's count, numbers are added to the sandbox and registered")
	fs.IntVar(&cfg.Rate, "rate", 1000, "msg/s per sender: each used sender's rate_limit and sandbox throughput (1000 is Meta's top tier)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 32, "webhook POSTs in flight")
	fs.IntVar(&cfg.Pace, "pace", 0, "webhooks per second in total (0: as fast as the server acknowledges them)")
	fs.IntVar(&cfg.PID, "pid", 0, "server `pid`: sample its VmRSS every 100ms and report the peak and its CPU")
	fs.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "per-request timeout")
	fs.DurationVar(&cfg.MaxWait, "wait", 5*time.Minute, "how long to wait for the sandbox to have sent everything")
	fs.DurationVar(&cfg.RunSettle, "settle", 2*time.Minute, "after the last send, how long to wait for runs to record their send's outcome")
	fs.BoolVar(&cfg.Keep, "keep", false, "leave the benchmark's flow enabled afterwards (default: disable it)")
	return runSubcommand(ctx, fs, args, stdout, stderr, subcommand[*flowsResult]{
		prepare: func() error {
			cfg.URL = strings.TrimRight(cfg.URL, "/")
			if err := validateFlows(&cfg); err != nil {
				return err
			}
			cfg.Progress = stderr
			return nil
		},
		run:   func(ctx context.Context) (*flowsResult, error) { return runFlows(ctx, &cfg) },
		print: printFlows,
		failed: func(res *flowsResult) string {
			if why := res.lost(); why != "" {
				return "FAILED: " + why
			}
			return ""
		},
	})
}

func validateFlows(cfg *flowsConfig) error {
	u, err := url.Parse(cfg.URL)
	switch {
	case err != nil:
		return fmt.Errorf("-url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("-url %q: want http(s)://host[:port]", cfg.URL)
	case cfg.Key == "":
		return errors.New("-key is required")
	case cfg.Account < 1:
		return errors.New("-account must be >= 1")
	case cfg.N < 1 || cfg.N >= maxCustomers:
		return fmt.Errorf("-n must be in 1..%d", maxCustomers-1)
	case cfg.Senders < 1 || cfg.Senders > 100:
		return errors.New("-senders must be in 1..100")
	case cfg.Rate < 1 || cfg.Rate > 1000:
		return errors.New("-rate must be in 1..1000 (zapflow's rate_limit range)")
	case cfg.Concurrency < 1:
		return errors.New("-concurrency must be >= 1")
	case cfg.Pace < 0:
		return errors.New("-pace must be >= 0")
	case cfg.Timeout <= 0:
		return errors.New("-timeout must be > 0")
	case cfg.MaxWait <= 0:
		return errors.New("-wait must be > 0")
	case cfg.RunSettle < 0:
		return errors.New("-settle must be >= 0")
	case cfg.Secret == "" || cfg.WABA == "":
		return errors.New("-secret and -waba must not be empty (the sandbox's app secret: `zapflow sandbox secret`)")
	}
	return nil
}

func printFlows(w io.Writer, r *flowsResult) {
	pace := "unpaced"
	if r.Pace > 0 {
		pace = fmt.Sprintf("paced at %d/s", r.Pace)
	}
	fmt.Fprintf(w, "target:          %s, flow %d (set_variables → branch → send_template), %d sender(s) × %d msg/s = %d/s Cloud API cap\n",
		r.URL, r.FlowID, len(r.PerSender), r.RatePerSender, r.ConfiguredPerS)
	fmt.Fprintf(w, "intake:          %d/%d webhooks acknowledged in %.3fs = %.0f/s (%d in flight, %s); POST p50 %.2fms p99 %.2fms\n",
		r.Acknowledged, r.N, r.IntakeS, r.IntakePerS, r.Concurrency, pace, r.PostLatencyMs.P50, r.PostLatencyMs.P99)
	if len(r.Non200) > 0 || r.TransportErrors > 0 {
		fmt.Fprintf(w, "  non-200:       %s, transport errors %d\n", formatStatuses(r.Non200), r.TransportErrors)
	}
	for _, e := range r.ErrorSamples {
		fmt.Fprintf(w, "    e.g. %s\n", e)
	}
	wait := ""
	if r.WaitTimedOut {
		wait = " — GAVE UP WAITING"
	}
	fmt.Fprintf(w, "sandbox:         %d customers sent to, %d missing, %d duplicate sends, %d from the wrong number; waited %.1fs after the last webhook%s\n",
		r.SandboxSent, r.Missing, r.SandboxDuplicates, r.WrongSender, r.WaitS, wait)
	fmt.Fprintf(w, "end-to-end:      %d flows in %.3fs (first webhook → last send) = %.1f flows/s\n", r.SandboxSent, r.E2ES, r.FlowsPerS)
	l := r.TriggerToSendMs
	fmt.Fprintf(w, "trigger→send:    p50 %.0fms  p99 %.0fms  max %.0fms  (mean %.0fms, n=%d)\n", l.P50, l.P99, l.Max, l.Mean, l.Count)
	for _, s := range r.PerSender {
		fmt.Fprintf(w, "  sender %d (%s): %d sends, %.1f msg/s, max %d in any 1s window, longest gap %.2fs\n",
			s.ID, s.PhoneNumberID, s.Sends, s.MeasuredRate, s.MaxPerSecond, s.MaxGapS)
	}
	if r.RunsError != "" {
		fmt.Fprintf(w, "runs:            could not read: %s\n", r.RunsError)
	} else {
		fmt.Fprintf(w, "runs:            completed %d, failed %d%s, duplicate %d, short %d, other %s; settled %.1fs after the last send\n",
			r.RunsCompleted, r.RunsFailed, formatCodes(r.RunErrors), r.DuplicateRuns, r.ShortRuns, formatOtherRuns(r.Runs), r.RunsSettleS)
	}
	if r.PeakRSSMiB > 0 || r.RSSError != "" {
		fmt.Fprintf(w, "server RSS:      peak %.1f MiB, mean %.1f MiB, VmHWM %s\n", r.PeakRSSMiB, r.MeanRSSMiB, formatMiB(r.HWMMiB))
		if r.RSSError != "" {
			fmt.Fprintf(w, "  sampling stopped early: %s\n", r.RSSError)
		}
	}
	cpu := fmt.Sprintf("bench client %.0f%%", r.ClientCPUPct)
	if r.ServerCPUPct > 0 {
		cpu = fmt.Sprintf("zapflow %.0f%%, ", r.ServerCPUPct) + cpu
	}
	if r.Cores > 0 {
		cpu += fmt.Sprintf(", whole machine %.0f%% of %d00%%", r.MachineCPUPct, r.Cores)
	}
	fmt.Fprintf(w, "cpu:             %s (100%% = one core)\n", cpu)
	if r.Writer != nil {
		fmt.Fprintf(w, "writer:          SQLite's one writer held %s of the window, %.0f µs per flow\n", r.Writer, r.Writer.UsPer)
	}
}

// formatOtherRuns lists run statuses that are neither completed nor failed.
func formatOtherRuns(m map[string]int) string {
	other := map[string]int{}
	for k, v := range m {
		if k != "completed" && k != "failed" {
			other[k] = v
		}
	}
	return formatOther(other)
}
