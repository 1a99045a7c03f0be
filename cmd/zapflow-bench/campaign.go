package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// `zapflow-bench campaign` measures the campaign engine at scale: an
// audience of N seeded contacts on one sandbox sender, one campaign per
// rate. For each: how long the audience takes to expand into recipients,
// the release pace the sandbox saw over a measured window (against the
// campaign's rate: share × the sender's rate_limit), the busiest second,
// 130429 throttles, how long sends go on after a pause request, and after
// resume whether every recipient the server marked sent reached the
// sandbox exactly once and none was skipped. A run either goes on to
// completion after the resume or is cancelled after -resume-for.

// campaignConfig is the parsed command line of `zapflow-bench campaign`.
type campaignConfig struct {
	URL, Key    string
	PID         int
	SQLitePath  string
	DatabaseURL string
	N           int
	Rates       []int
	Complete    []int // rates that run to completion after the pause
	Share       float64
	Warmup      time.Duration // after the first send, before the window
	Window      time.Duration
	ResumeFor   time.Duration // runs that do not complete: how long after resume before the cancel
	MaxWait     time.Duration // runs that complete: give up (cancel) after this
	Timeout     time.Duration // per API request; the preview (expansion) gets 20×
	PprofURL    string        // the server's ZAPFLOW_DEBUG_ADDR base URL: a CPU profile of each completing run
	ProfileDir  string
	ProfileFor  time.Duration
	Progress    io.Writer
}

// campaignResult is what `zapflow-bench campaign` measured.
type campaignResult struct {
	URL      string        `json:"url"`
	N        int           `json:"n"`
	Share    float64       `json:"share"`
	SeedS    float64       `json:"seed_s"`
	Sender   string        `json:"sender_phone_number_id"`
	Runs     []campaignRun `json:"runs"`
	Load     string        `json:"load"`
	ErrorMsg string        `json:"error,omitempty"`
}

// campaignRun is one campaign at one rate.
type campaignRun struct {
	Rate       int     `json:"rate_limit"`
	Effective  float64 `json:"campaign_rate"` // share × rate_limit
	Complete   bool    `json:"complete"`
	CampaignID int64   `json:"campaign_id"`
	LoadStart  string  `json:"load_start"`
	LoadEnd    string  `json:"load_end"`

	ExpandS          float64 `json:"expand_s"`
	WillSend         int     `json:"will_send"`
	ExpandPeakRSSMiB float64 `json:"expand_peak_rss_mib"`
	FirstSendS       float64 `json:"first_send_s"` // start request → first send seen (±250ms)

	WindowS      float64    `json:"window_s"`
	WindowSends  int        `json:"window_sends"`
	WindowRate   float64    `json:"window_rate"`
	DeviationPct float64    `json:"deviation_pct"`
	MaxIn1s      int        `json:"max_in_1s_window"`
	MaxGapS      float64    `json:"max_gap_s"`      // outside the pause
	Release      roundStats `json:"release"`        // the runner's rounds in the window (from the recipients' sent_at)
	ServerCPUPct float64    `json:"server_cpu_pct"` // server CPU time ÷ wall time from the start to the settled end (200% = both cores)
	Throttled    int        `json:"throttled_130429"`

	PauseLatencyS float64 `json:"pause_latency_s"` // pause request → last send before resume
	AfterPause    int     `json:"sends_after_pause"`

	Once         onceCheck      `json:"once"`
	FinalStatus  string         `json:"final_status"`
	FailedByCode map[string]int `json:"failed_by_code,omitempty"`
	RunS         float64        `json:"run_s"`        // start request → last send
	OverallRate  float64        `json:"overall_rate"` // sends ÷ (run − pause)
	TimedOut     bool           `json:"timed_out"`    // a completing run did not finish within -wait
	PeakRSSMiB   float64        `json:"peak_rss_mib"` // sampled from start to the last send
	HWMMiB       float64        `json:"vm_hwm_mib"`   // VmHWM at the end of the run (process lifetime)
	Profile      string         `json:"profile"`      // CPU profile file
	ProfileError string         `json:"profile_error,omitempty"`
}

func (r *campaignRun) ok() bool {
	return r.Once.ok() && r.Throttled == 0 && !r.TimedOut && (!r.Complete || r.FinalStatus == "completed")
}

// loadAvg is /proc/loadavg's first three fields.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

type apiCampaign struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Progress struct {
		Queued       int            `json:"queued"`
		Sent         int            `json:"sent"`
		Failed       int            `json:"failed"`
		FailedByCode map[string]int `json:"failed_by_code"`
	} `json:"progress"`
}

func runCampaignBench(ctx context.Context, cfg *campaignConfig) (*campaignResult, error) {
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath)
	if err != nil {
		return nil, fmt.Errorf("open the server's database: %w", err)
	}
	defer db.Close()
	tr := newTransport(8)
	defer tr.CloseIdleConnections()
	c := &apiClient{base: cfg.URL, key: cfg.Key, http: &http.Client{Transport: tr, Timeout: cfg.Timeout}}
	slow := &apiClient{base: cfg.URL, key: cfg.Key, http: &http.Client{Transport: tr, Timeout: 20 * cfg.Timeout}}

	var list struct {
		Senders []apiSender `json:"senders"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/senders", nil, &list, http.StatusOK); err != nil {
		return nil, err
	}
	if len(list.Senders) == 0 {
		return nil, errors.New("the server has no sender (is the sandbox on?)")
	}
	slices.SortFunc(list.Senders, func(a, b apiSender) int { return int(a.ID - b.ID) })
	sender := list.Senders[0]
	res := &campaignResult{URL: cfg.URL, N: cfg.N, Share: cfg.Share, Sender: sender.PhoneNumberID, Load: loadAvg()}

	start := time.Now()
	if err := seedCampaignContacts(ctx, db, cfg.N, start, progress); err != nil {
		return nil, err
	}
	res.SeedS = time.Since(start).Seconds()
	if err := setCampaignShare(ctx, db, cfg.Share, time.Now()); err != nil {
		return nil, fmt.Errorf("set the send share: %w", err)
	}
	// The sandbox's numbers report TIER_2K: 2,000 business-initiated
	// sends a day. The daily quota is not what is measured here.
	if err := db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE senders SET messaging_limit = 'TIER_UNLIMITED' WHERE id = ?`, sender.ID)
		return err
	}); err != nil {
		return nil, fmt.Errorf("set the messaging limit: %w", err)
	}
	time.Sleep(1500 * time.Millisecond) // the server's settings cache TTL

	for _, rate := range cfg.Rates {
		run, err := campaignAtRate(ctx, cfg, db, c, slow, sender, rate, progress)
		if run != nil {
			res.Runs = append(res.Runs, *run)
		}
		if err != nil {
			res.ErrorMsg = fmt.Sprintf("rate %d: %v", rate, err)
			return res, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return res, nil
}

// campaignAtRate runs one campaign over the whole audience at rate.
func campaignAtRate(ctx context.Context, cfg *campaignConfig, db store.DB, c, slow *apiClient, sender apiSender, rate int, progress io.Writer) (*campaignRun, error) {
	run := &campaignRun{Rate: rate, Effective: cfg.Share * float64(rate), Complete: slices.Contains(cfg.Complete, rate), LoadStart: loadAvg()}
	fmt.Fprintf(progress, "--- rate_limit %d/s, campaign rate %.0f/s (load %s)\n", rate, run.Effective, run.LoadStart)
	sid := strconv.FormatInt(sender.ID, 10)
	if _, err := c.do(ctx, http.MethodPatch, "/api/v1/senders/"+sid, map[string]int{"rate_limit": rate}, nil, http.StatusOK); err != nil {
		return nil, fmt.Errorf("set rate_limit: %w", err)
	}
	if _, err := c.do(ctx, http.MethodPost, "/sandbox/api/senders/"+url.PathEscape(sender.PhoneNumberID)+"/throughput",
		map[string]int{"mps": rate}, nil, http.StatusOK); err != nil {
		return nil, fmt.Errorf("set sandbox throughput: %w", err)
	}

	var camp apiCampaign
	in := map[string]any{
		"name":       fmt.Sprintf("bench %d/s", rate),
		"sender_ids": []int64{sender.ID},
		"template":   map[string]string{"name": benchTemplate.Name, "language": benchTemplate.Language},
		"mapping": map[string]map[string]string{
			"1": {"from": "contact.name", "default": "cliente"}, "2": {"from": "text:Dra. Beatriz"},
			"3": {"from": "text:12/03"}, "4": {"from": "text:Av. Paulista"},
		},
		"audience": map[string]any{"kind": "contacts", "tags": []string{campaignTag}},
	}
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/campaigns", in, &camp, http.StatusCreated); err != nil {
		return nil, err
	}
	run.CampaignID = camp.ID
	path := "/api/v1/campaigns/" + strconv.FormatInt(camp.ID, 10)

	// 1. Expansion: the preview writes the audience into recipients.
	var preview struct {
		WillSend int `json:"will_send"`
	}
	sampler, err := startSampler(cfg.PID)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	_, err = slow.do(ctx, http.MethodPost, path+"/audience/preview", nil, &preview, http.StatusOK)
	run.ExpandS = time.Since(t0).Seconds()
	if sampler != nil {
		run.ExpandPeakRSSMiB = mib(sampler.Stop().PeakKiB)
	}
	if err != nil {
		return run, fmt.Errorf("preview: %w", err)
	}
	run.WillSend = preview.WillSend
	fmt.Fprintf(progress, "expanded %d recipients in %.2fs\n", run.WillSend, run.ExpandS)

	// 2. The test send a start needs (waited for, so it is not counted
	// as a campaign send), then the start.
	var before sandboxCounts
	if _, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent/count", nil, &before, http.StatusOK); err != nil {
		return run, err
	}
	if _, err := c.do(ctx, http.MethodPost, path+"/test", map[string]string{"to": campaignPhone(0)}, nil, http.StatusOK); err != nil {
		return run, fmt.Errorf("test send: %w", err)
	}
	for deadline := time.Now().Add(cfg.Timeout); ; {
		var now sandboxCounts
		if _, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent/count", nil, &now, http.StatusOK); err != nil {
			return run, err
		}
		if now.Count > before.Count {
			before = now
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return run, errors.New("the test send did not reach the sandbox")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if sampler, err = startSampler(cfg.PID); err != nil {
		return run, err
	}
	cpu0, _ := readProcCPU(cfg.PID)
	startAt := time.Now()
	if _, err := c.do(ctx, http.MethodPost, path+"/start", nil, nil, http.StatusOK); err != nil {
		return run, fmt.Errorf("start: %w", err)
	}

	// The sandbox keeps 100,000 sent records and then drops the oldest
	// tenth: a fall in its count is such a drop, which the count below
	// adds back.
	const sandboxRecords = 100_000
	var seenCount, drops int
	count := func() int {
		var n sandboxCounts
		if _, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent/count", nil, &n, http.StatusOK); err != nil {
			return -1
		}
		if n.Count < seenCount {
			drops++
		}
		seenCount = n.Count
		return n.Count + drops*sandboxRecords/10 - before.Count
	}
	status := func() apiCampaign {
		var got apiCampaign
		_, _ = c.do(ctx, http.MethodGet, path, nil, &got, http.StatusOK)
		return got
	}
	action := func(a string) (time.Time, error) {
		at := time.Now()
		_, err := c.do(ctx, http.MethodPost, path+"/"+a, nil, nil, http.StatusOK)
		return at, err
	}
	// marked is how many recipients the server handed to the outbox.
	marked := func() int {
		var n int
		_ = db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = ? AND state = 'sent'`, camp.ID).Scan(&n)
		return n
	}
	// settle waits until the sandbox count has not moved for 2s and has
	// every recipient the server handed to the outbox, or has not moved
	// for 150s: a message the outbox claimed but could not send in time
	// (a stall past its sender lease) goes out when its 2-minute claim
	// ends. What is still missing then is a loss, which the check reports.
	settle := func() {
		last, since := count(), time.Now()
		for ctx.Err() == nil {
			time.Sleep(200 * time.Millisecond)
			if n := count(); n != last {
				last, since = n, time.Now()
			}
			still := time.Since(since)
			if (still >= 2*time.Second && last >= marked()) || still >= 150*time.Second {
				return
			}
		}
	}

	// 3. Run until the window is over, then pause.
	var firstSeen time.Time
	var profileDone chan struct{}
	lastReport := time.Now()
	for ctx.Err() == nil {
		n := count()
		if n > 0 && firstSeen.IsZero() {
			firstSeen = time.Now()
			run.FirstSendS = firstSeen.Sub(startAt).Seconds()
			if run.Complete && cfg.PprofURL != "" {
				profileDone = make(chan struct{})
				go func() {
					defer close(profileDone)
					name, perr := fetchProfile(ctx, cfg, rate)
					run.Profile = name
					if perr != nil {
						run.ProfileError = perr.Error()
					}
				}()
			}
		}
		if !firstSeen.IsZero() && time.Since(firstSeen) >= cfg.Warmup+cfg.Window {
			break
		}
		if n >= run.WillSend {
			break
		}
		if time.Since(startAt) > cfg.MaxWait {
			run.TimedOut = true
			break
		}
		if time.Since(lastReport) >= 5*time.Second {
			fmt.Fprintf(progress, "  sandbox has %d sends (load %s)\n", n, loadAvg())
			lastReport = time.Now()
		}
		time.Sleep(250 * time.Millisecond)
	}
	var pauseAt, resumeAt time.Time
	if st := status(); st.Status == "running" {
		if pauseAt, err = action("pause"); err != nil {
			return run, err
		}
		settle()
		if resumeAt, err = action("resume"); err != nil {
			return run, err
		}
		fmt.Fprintf(progress, "paused and resumed after %d sends\n", count())
	}

	// 4. Cancel after -resume-for, or wait for completion.
	if !run.Complete {
		time.Sleep(cfg.ResumeFor)
		if _, err := action("cancel"); err != nil {
			return run, err
		}
	} else {
		lastReport = time.Now()
		for ctx.Err() == nil {
			st := status()
			if st.Status != "running" && st.Status != "paused" {
				break
			}
			if time.Since(startAt) > cfg.MaxWait {
				run.TimedOut = true
				if _, err := action("cancel"); err != nil {
					return run, err
				}
				break
			}
			if time.Since(lastReport) >= 5*time.Second {
				fmt.Fprintf(progress, "  sandbox has %d sends (load %s)\n", count(), loadAvg())
				lastReport = time.Now()
			}
			time.Sleep(time.Second)
		}
	}
	settle()
	if cpu1, err := readProcCPU(cfg.PID); err == nil && cfg.PID > 0 {
		run.ServerCPUPct = 100 * (cpu1 - cpu0).Seconds() / time.Since(startAt).Seconds()
	}
	if sampler != nil {
		sum := sampler.Stop()
		run.PeakRSSMiB, run.HWMMiB = mib(sum.PeakKiB), mib(sum.HWMKiB)
	}
	if profileDone != nil {
		<-profileDone
	}
	run.LoadEnd = loadAvg()
	final := status()
	run.FinalStatus, run.FailedByCode = final.Status, final.Progress.FailedByCode
	var after sandboxCounts
	if _, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent/count", nil, &after, http.StatusOK); err == nil {
		run.Throttled = after.Throttled - before.Throttled
	}

	// 5. What the sandbox received, against the recipient list.
	recips, err := campaignRecipients(ctx, db, camp.ID)
	if err != nil {
		return run, err
	}
	wanted := make(map[string]bool, len(recips))
	for _, r := range recips {
		wanted[r.WaID] = true
	}
	var all []sandboxSent
	if _, err := slow.do(ctx, http.MethodGet, "/sandbox/api/sent", nil, &all, http.StatusOK); err != nil {
		return run, err
	}
	sent := map[string]int{}
	var times []time.Time
	for _, m := range all {
		if m.PhoneNumberID == sender.PhoneNumberID && !m.Time.Before(startAt) && wanted[m.WaID] {
			sent[m.WaID]++
			times = append(times, m.Time)
		}
	}
	all = nil
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	run.Once = checkOnce(recips, sent)
	run.Once.Dropped = drops * sandboxRecords / 10
	if len(times) == 0 {
		return run, errors.New("the sandbox received nothing from the campaign")
	}
	first, last := times[0], times[len(times)-1]
	from := first.Add(cfg.Warmup)
	to := from.Add(cfg.Window)
	if !pauseAt.IsZero() && pauseAt.Before(to) {
		to = pauseAt
	}
	if last.Before(to) {
		to = last
	}
	run.WindowS = to.Sub(from).Seconds()
	run.WindowSends, run.WindowRate = windowRate(times, from, to)
	run.DeviationPct = 100 * (run.WindowRate - run.Effective) / run.Effective
	run.MaxIn1s = maxInWindow(times, time.Second)
	if at, k, err := releaseRounds(ctx, db, camp.ID); err == nil {
		run.Release = summarizeRounds(at, k, from, to)
	}
	paused := time.Duration(0)
	if !pauseAt.IsZero() {
		var lat time.Duration
		run.AfterPause, lat = pauseTail(times, pauseAt, resumeAt)
		run.PauseLatencyS = lat.Seconds()
		paused = resumeAt.Sub(pauseAt)
	}
	run.MaxGapS = maxGapOutside(times, pauseAt, resumeAt).Seconds()
	run.RunS = last.Sub(startAt).Seconds()
	if active := last.Sub(startAt) - paused; active > 0 {
		run.OverallRate = float64(len(times)) / active.Seconds()
	}
	return run, nil
}

// maxGapOutside is the longest interval between consecutive sorted times
// that does not span [pause, resume).
func maxGapOutside(sorted []time.Time, pause, resume time.Time) time.Duration {
	var g time.Duration
	for i := 1; i < len(sorted); i++ {
		if !pause.IsZero() && !sorted[i-1].After(resume) && !sorted[i].Before(pause) {
			continue
		}
		g = max(g, sorted[i].Sub(sorted[i-1]))
	}
	return g
}

// startSampler samples pid's RSS every 100ms (nil without a pid).
func startSampler(pid int) (*rssSampler, error) {
	if pid <= 0 {
		return nil, nil
	}
	s, err := startRSSSampler(pid, 100*time.Millisecond)
	if err != nil {
		return nil, fmt.Errorf("server pid %d: %w", pid, err)
	}
	return s, nil
}

// fetchProfile takes a CPU profile of the server over -profile-for.
func fetchProfile(ctx context.Context, cfg *campaignConfig, rate int) (string, error) {
	secs := max(1, int(cfg.ProfileFor/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(cfg.PprofURL, "/")+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: cfg.ProfileFor + 30*time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return "", fmt.Errorf("pprof: %d %s", resp.StatusCode, snippet(b))
	}
	if err := os.MkdirAll(cfg.ProfileDir, 0o755); err != nil {
		return "", err
	}
	name := filepath.Join(cfg.ProfileDir, fmt.Sprintf("campaign-%d-cpu.pprof", rate))
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return "", err
	}
	return name, f.Close()
}
