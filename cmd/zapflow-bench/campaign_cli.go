package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func cmdCampaign(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("campaign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := campaignConfig{}
	var rates, complete string
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "server base `URL` (API and /sandbox on the same host)")
	fs.StringVar(&cfg.Key, "key", "", "an admin API `key` (required)")
	fs.IntVar(&cfg.PID, "pid", 0, "server `pid`: sample its VmRSS every 100ms, report the peak and VmHWM")
	fs.StringVar(&cfg.SQLitePath, "sqlite", "", "the server's SQLite database `file` (seeded with the audience, read for the recipient list)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "the server's PostgreSQL `URL` instead of -sqlite")
	fs.IntVar(&cfg.N, "n", 100000, "contacts to seed: the audience of every campaign")
	fs.StringVar(&rates, "rates", "80,1000", "comma-separated sender rate_limits, one campaign each, in order")
	fs.StringVar(&complete, "complete", "1000", "comma-separated rates whose campaign runs to completion after the pause (the others are cancelled after -resume-for)")
	fs.Float64Var(&cfg.Share, "share", 1, "the campaigns' send share setting (0..1]; the campaign's rate is share × rate_limit")
	fs.DurationVar(&cfg.Warmup, "warmup", 5*time.Second, "unmeasured time after the first send")
	fs.DurationVar(&cfg.Window, "window", 90*time.Second, "measured pacing window; the campaign is paused when it ends")
	fs.DurationVar(&cfg.ResumeFor, "resume-for", 10*time.Second, "runs that do not complete: how long they run after the resume before the cancel")
	fs.DurationVar(&cfg.MaxWait, "wait", 20*time.Minute, "runs that complete: cancel and fail if not done this long after the start")
	fs.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "per-request timeout (the audience preview, which expands it, gets 20×)")
	fs.StringVar(&cfg.PprofURL, "pprof", "", "base `URL` of the server's ZAPFLOW_DEBUG_ADDR: take a CPU profile during each completing run")
	fs.StringVar(&cfg.ProfileDir, "profile-dir", ".", "where CPU profiles are written")
	fs.DurationVar(&cfg.ProfileFor, "profile-for", 30*time.Second, "CPU profile length")
	return runSubcommand(ctx, fs, args, stdout, stderr, subcommand[*campaignResult]{
		prepare: func() error {
			cfg.URL = strings.TrimRight(cfg.URL, "/")
			var err error
			if cfg.Rates, err = parseInts("-rates", rates); err != nil {
				return err
			}
			if cfg.Complete, err = parseInts("-complete", complete); err != nil {
				return err
			}
			cfg.Progress = stderr
			return validateCampaign(&cfg)
		},
		run:   func(ctx context.Context) (*campaignResult, error) { return runCampaignBench(ctx, &cfg) },
		print: printCampaign,
		failed: func(res *campaignResult) string {
			if res.ErrorMsg != "" {
				return "FAILED: " + res.ErrorMsg
			}
			for _, r := range res.Runs {
				if !r.ok() {
					return fmt.Sprintf("FAILED at %d/s: %d throttled, %d duplicates, %d missing, %d extra, %d skipped, final status %s, timed out %v",
						r.Rate, r.Throttled, r.Once.Duplicates, r.Once.Missing, r.Once.Extra, r.Once.Skipped, r.FinalStatus, r.TimedOut)
				}
			}
			return ""
		},
	})
}

func parseInts(name, s string) ([]int, error) {
	var out []int
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%s: %q is not a positive number", name, p)
		}
		out = append(out, v)
	}
	return out, nil
}

func validateCampaign(cfg *campaignConfig) error {
	u, err := url.Parse(cfg.URL)
	switch {
	case err != nil:
		return fmt.Errorf("-url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("-url %q: want http(s)://host[:port]", cfg.URL)
	case cfg.Key == "":
		return errors.New("-key is required")
	case (cfg.SQLitePath == "") == (cfg.DatabaseURL == ""):
		return errors.New("give exactly one of -sqlite and -database-url (the server's database)")
	case cfg.N < 1 || cfg.N > 10_000_000:
		return errors.New("-n must be in 1..10000000")
	case len(cfg.Rates) == 0:
		return errors.New("-rates must name at least one rate")
	case cfg.Share <= 0 || cfg.Share > 1:
		return errors.New("-share must be in (0, 1]")
	case cfg.Warmup < 0 || cfg.Window <= 0 || cfg.ResumeFor < 0 || cfg.MaxWait <= 0 || cfg.Timeout <= 0 || cfg.ProfileFor <= 0:
		return errors.New("-window, -wait, -timeout and -profile-for must be > 0, -warmup and -resume-for >= 0")
	}
	for _, r := range cfg.Rates {
		if r > 1000 {
			return errors.New("-rates: a sender's rate_limit is at most 1000")
		}
	}
	return nil
}

func printCampaign(w io.Writer, r *campaignResult) {
	fmt.Fprintf(w, "target:         %s, sender %s, %d contacts seeded in %.1fs, send share %.0f%% (campaign rate = share × rate_limit), messaging limit TIER_UNLIMITED\n",
		r.URL, r.Sender, r.N, r.SeedS, 100*r.Share)
	for _, x := range r.Runs {
		mode := "cancelled after pause + resume"
		if x.Complete {
			mode = "to completion after pause + resume"
		}
		fmt.Fprintf(w, "\nrate_limit %d/s → campaign %.0f/s, %s (campaign %d; load %s → %s)\n", x.Rate, x.Effective, mode, x.CampaignID, x.LoadStart, x.LoadEnd)
		fmt.Fprintf(w, "  expansion:    %d recipients in %.2fs (%.0f/s), server peak RSS during it %.1f MiB\n",
			x.WillSend, x.ExpandS, float64(x.WillSend)/max(x.ExpandS, 1e-9), x.ExpandPeakRSSMiB)
		fmt.Fprintf(w, "  start:        first send %.2fs after the start request\n", x.FirstSendS)
		fmt.Fprintf(w, "  pacing:       %d sends in a %.1fs window = %.2f/s vs %.0f/s (%+.2f%%); max %d in any 1s window; longest gap %.2fs\n",
			x.WindowSends, x.WindowS, x.WindowRate, x.Effective, x.DeviationPct, x.MaxIn1s, x.MaxGapS)
		fmt.Fprintf(w, "  runner:       %d release rounds in the window, every %.3fs on average (longest %.3fs), %.1f recipients each = %.2f/s released\n",
			x.Release.Rounds, x.Release.MeanEveryS, x.Release.MaxEveryS, x.Release.PerRound, x.Release.RatePerS)
		fmt.Fprintf(w, "  overall:      %d sends over %.1fs of running = %.1f/s; final status %s%s; server CPU %.0f%% (200%% = both cores)\n",
			x.Once.Sends, x.RunS, x.OverallRate, x.FinalStatus, timedOut(x.TimedOut), x.ServerCPUPct)
		fmt.Fprintf(w, "  throttling:   %d × 130429 from the sandbox; failed by code %v\n", x.Throttled, x.FailedByCode)
		fmt.Fprintf(w, "  pause:        last send %.3fs after the pause request (%d sends after it)\n", x.PauseLatencyS, x.AfterPause)
		o := x.Once
		fmt.Fprintf(w, "  exactly once: %d recipients: %d sent, %d queued, %d failed; sandbox %d sends: %d duplicates, %d missing, %d extra, %d skipped\n",
			o.Recipients, o.DBSent, o.DBQueued, o.DBFailed, o.Sends, o.Duplicates, o.Missing, o.Extra, o.Skipped)
		if o.Dropped > 0 {
			fmt.Fprintf(w, "                the sandbox dropped its %d oldest records (it keeps 100,000); every missing one was released before every one found: %v\n", o.Dropped, o.MissingFirst)
		}
		fmt.Fprintf(w, "  server RSS:   peak %.1f MiB while sending, VmHWM %s (the sandbox's record of every send is in it)\n", x.PeakRSSMiB, formatMiB(x.HWMMiB))
		if x.Profile != "" || x.ProfileError != "" {
			fmt.Fprintf(w, "  CPU profile:  %s%s\n", x.Profile, x.ProfileError)
		}
	}
	fmt.Fprintf(w, "\n%-6s %-8s %-9s %-9s %-10s %-7s %-6s %-6s %-8s %-5s %-8s %-9s %-9s %s\n",
		"rate", "expand", "expRSS", "window/s", "dev", "max1s", "429s", "pause", "overall", "dups", "skipped", "peakRSS", "VmHWM", "load")
	for _, x := range r.Runs {
		fmt.Fprintf(w, "%-6d %-8s %-9s %-9.2f %-10s %-7d %-6d %-6s %-8.1f %-5d %-8d %-9s %-9s %s\n",
			x.Rate, fmt.Sprintf("%.1fs", x.ExpandS), fmt.Sprintf("%.0fMiB", x.ExpandPeakRSSMiB), x.WindowRate, fmt.Sprintf("%+.2f%%", x.DeviationPct),
			x.MaxIn1s, x.Throttled, fmt.Sprintf("%.2fs", x.PauseLatencyS), x.OverallRate, x.Once.Duplicates, x.Once.Skipped,
			fmt.Sprintf("%.0fMiB", x.PeakRSSMiB), fmt.Sprintf("%.0fMiB", x.HWMMiB), x.LoadStart+" → "+x.LoadEnd)
	}
	if r.ErrorMsg != "" {
		fmt.Fprintf(w, "error: %s\n", r.ErrorMsg)
	}
}

func timedOut(b bool) string {
	if b {
		return " — DID NOT FINISH within -wait"
	}
	return ""
}
