// Command zapflow-bench generates load against a running zapflow server.
//
//	zapflow-bench intake [flags]   POST signed WhatsApp webhook payloads for a fixed time
//	zapflow-bench send [flags]     API template sends paced per sender, read back from the sandbox
//	zapflow-bench flows [flags]    webhooks that each start a flow that sends a template, end to end
//	zapflow-bench inbox [flags]    web app event streams: memory per stream, commit-to-browser delay
//	zapflow-bench cleanup [flags]  seed a large history, clean it while the inbox is read: duration, inbox p99
//	zapflow-bench campaign [flags] a 100,000-recipient campaign per rate: expansion, pacing, pause, exactly once
//	zapflow-bench rss -pid N       sample a process's resident memory (idle footprint)
//
// It exists to check the intake target (≥ 10,000 messages/s with p99 < 50 ms
// on SQLite, 2 cores) with payloads that are byte-for-byte what Meta sends:
// the server must verify the HMAC over the raw body, so a generator that
// cut corners on shape or escaping would measure a different code path.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const usage = `usage:
  zapflow-bench intake [flags]   load-test webhook intake (zapflow-bench intake -h)
  zapflow-bench send [flags]     load-test the send pipeline against the sandbox (zapflow-bench send -h)
  zapflow-bench flows [flags]    inbound message → flow run → sandbox send, end to end (zapflow-bench flows -h)
  zapflow-bench inbox [flags]    hold web app event streams open, report memory per stream and delivery delay (zapflow-bench inbox -h)
  zapflow-bench cleanup [flags]  seed a large chat history and clean it while the inbox is read (zapflow-bench cleanup -h)
  zapflow-bench campaign [flags] run a large campaign per rate against the sandbox (zapflow-bench campaign -h)
  zapflow-bench rss -pid N [-for 5s]   sample a process's RSS, print mean and peak
`

func main() {
	// SIGINT/SIGTERM end the run early; the results so far are still printed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process globals, so tests can drive the CLI.
// Exit codes: 0 ok, 1 run failed (or nothing succeeded), 2 usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "intake":
		return cmdIntake(ctx, args[1:], stdout, stderr)
	case "rss":
		return cmdRSS(ctx, args[1:], stdout, stderr)
	case "send":
		return cmdSend(ctx, args[1:], stdout, stderr)
	case "flows":
		return cmdFlows(ctx, args[1:], stdout, stderr)
	case "inbox":
		return cmdInbox(ctx, args[1:], stdout, stderr)
	case "cleanup":
		return cmdCleanup(ctx, args[1:], stdout, stderr)
	case "campaign":
		return cmdCampaign(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "zapflow-bench: unknown command %q\n%s", args[0], usage)
		return 2
	}
}

func cmdIntake(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("intake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := intakeConfig{}
	var secret, phoneIDs string
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080/webhooks/whatsapp/1", "webhook `URL` of the server under test")
	fs.StringVar(&secret, "secret", "", "app secret used to sign bodies (X-Hub-Signature-256); the sandbox's is random per installation: 'zapflow sandbox secret' prints it")
	fs.StringVar(&cfg.Payload.WABA, "waba", "100000000000001", "WhatsApp Business Account id (entry[].id)")
	fs.StringVar(&phoneIDs, "phone-ids", "100000000000011,100000000000012", "comma-separated business phone_number_ids, used round-robin per request")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured run time")
	fs.DurationVar(&cfg.Warmup, "warmup", time.Second, "unmeasured warm-up before the run (0 to skip)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 64, "concurrent workers, each with one request in flight")
	fs.IntVar(&cfg.Payload.Batch, "batch", 1, "messages per POST (Meta usually sends 1, at most 1000)")
	fs.IntVar(&cfg.Payload.Customers, "customers", 10000, "distinct customer numbers (wa_id 5511900000000+i)")
	fs.IntVar(&cfg.PID, "pid", 0, "server `pid`: sample /proc/<pid>/status VmRSS every 100ms (warm-up included), report peak and VmHWM, and server CPU")
	fs.Float64Var(&cfg.Dup, "dup", 0, "fraction of requests immediately re-sent verbatim as duplicates (0..1)")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "per-request timeout")
	return runSubcommand(ctx, fs, args, stdout, stderr, subcommand[*intakeResult]{
		prepare: func() error {
			cfg.Payload.Secret = []byte(secret)
			for p := range strings.SplitSeq(phoneIDs, ",") {
				if p = strings.TrimSpace(p); p != "" {
					cfg.Payload.PhoneIDs = append(cfg.Payload.PhoneIDs, p)
				}
			}
			cfg.Payload.RunID = strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.Itoa(os.Getpid())
			return validateIntake(&cfg)
		},
		run:   func(ctx context.Context) (*intakeResult, error) { return runIntake(ctx, &cfg) },
		print: printIntake,
		failed: func(res *intakeResult) string {
			if res.OK == 0 {
				return "no request was answered 200"
			}
			return ""
		},
	})
}

func validateIntake(cfg *intakeConfig) error {
	u, err := url.Parse(cfg.URL)
	switch {
	case err != nil:
		return fmt.Errorf("-url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return fmt.Errorf("-url %q: want http(s)://host/path", cfg.URL)
	case cfg.Duration <= 0:
		return errors.New("-duration must be > 0")
	case cfg.Warmup < 0:
		return errors.New("-warmup must be >= 0")
	case cfg.Concurrency < 1:
		return errors.New("-concurrency must be >= 1")
	case cfg.Payload.Batch < 1 || cfg.Payload.Batch > 1000:
		return errors.New("-batch must be in 1..1000 (Meta's per-POST maximum)")
	case cfg.Payload.Customers < 1:
		return errors.New("-customers must be >= 1")
	case cfg.Dup < 0 || cfg.Dup > 1:
		return errors.New("-dup must be in 0..1")
	case len(cfg.Payload.PhoneIDs) == 0:
		return errors.New("-phone-ids must name at least one id")
	case cfg.Payload.WABA == "":
		return errors.New("-waba must not be empty")
	case len(cfg.Payload.Secret) == 0:
		return errors.New("-secret is required: the account's app secret (for the sandbox, what `zapflow sandbox secret` prints)")
	case cfg.Timeout <= 0:
		return errors.New("-timeout must be > 0")
	}
	return nil
}

// rssResult is the outcome of `zapflow-bench rss`.
type rssResult struct {
	PID        int     `json:"pid"`
	DurationS  float64 `json:"duration_s"`
	Samples    int     `json:"samples"`
	MeanRSSMiB float64 `json:"mean_rss_mib"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	HWMMiB     float64 `json:"vm_hwm_mib"`
}

func cmdRSS(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rss", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pid := fs.Int("pid", 0, "`pid` of the process to sample (required)")
	dur := fs.Duration("for", 5*time.Second, "how long to sample")
	interval := fs.Duration("interval", 100*time.Millisecond, "sampling interval")
	jsonOut := fs.Bool("json", false, "print one JSON result line instead of text")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *pid <= 0 || *dur <= 0 || *interval <= 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "rss: need -pid N (> 0), positive -for and -interval, no arguments")
		return 2
	}
	s, err := startRSSSampler(*pid, *interval)
	if err != nil {
		fmt.Fprintf(stderr, "rss: pid %d: %v\n", *pid, err)
		return 1
	}
	start := time.Now()
	select {
	case <-time.After(*dur):
	case <-ctx.Done():
	}
	sum := s.Stop()
	res := rssResult{
		PID: *pid, DurationS: time.Since(start).Seconds(), Samples: sum.Samples,
		MeanRSSMiB: mib(sum.MeanKiB), PeakRSSMiB: mib(sum.PeakKiB), HWMMiB: mib(sum.HWMKiB),
	}
	if *jsonOut {
		line, _ := json.Marshal(res)
		fmt.Fprintf(stdout, "%s\n", line)
	} else {
		fmt.Fprintf(stdout, "rss pid %d over %.1fs (%d samples): mean %.1f MiB, peak %.1f MiB, VmHWM %s\n",
			res.PID, res.DurationS, res.Samples, res.MeanRSSMiB, res.PeakRSSMiB, formatMiB(res.HWMMiB))
	}
	if sum.Err != nil {
		fmt.Fprintf(stderr, "rss: sampling stopped early: %v\n", sum.Err)
		return 1
	}
	return 0
}
