package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// sentCount reads how many messages the sandbox has accepted so far. ok is
// false when the server has no such endpoint (an older sandbox).
func sentCount(ctx context.Context, c *apiClient) (n int, ok bool) {
	var out struct {
		Count *int `json:"count"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent/count", nil, &out, http.StatusOK); err != nil || out.Count == nil {
		return 0, false
	}
	return *out.Count, true
}

// fetchOurs reads every sandbox send and keeps those to this run's
// customers made after the run began (an earlier run against the same
// server may have written to the same numbers).
func fetchOurs(ctx context.Context, c *apiClient, customers map[string]int, since time.Time) ([]sandboxSent, int, error) {
	var all []sandboxSent
	if _, err := c.do(ctx, http.MethodGet, "/sandbox/api/sent", nil, &all, http.StatusOK); err != nil {
		return nil, 0, err
	}
	var ours []sandboxSent
	distinct := map[string]bool{}
	for _, m := range all {
		if _, ok := customers[m.WaID]; ok && !m.Time.Before(since) {
			ours = append(ours, m)
			distinct[m.WaID] = true
		}
	}
	return ours, len(distinct), nil
}

// waitSandbox polls until the sandbox has sent to every customer, ctx ends
// or cfg.MaxWait passes. It polls the cheap count and reads the full list
// (megabytes of JSON the server must encode, on the CPU being measured)
// only once the count says enough sends may be there.
func waitSandbox(ctx context.Context, c *apiClient, cfg *flowsConfig, customers map[string]int, since time.Time,
	baseline int, countable bool, progress io.Writer) (ours []sandboxSent, timedOut bool) {
	poll := cfg.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	need := len(customers)
	threshold := baseline + need // count at which a full read may find them all
	deadline := time.Now().Add(cfg.MaxWait)
	lastReport, have := time.Now(), 0
	for {
		full := !countable || !time.Now().Before(deadline) || ctx.Err() != nil
		n := 0
		if !full {
			var ok bool
			if n, ok = sentCount(ctx, c); !ok {
				countable, full = false, true
			} else {
				have = max(have, min(n-baseline, need))
				full = n >= threshold
			}
		}
		if full {
			got, distinct, err := fetchOurs(context.WithoutCancel(ctx), c, customers, since)
			switch {
			case err != nil:
				fmt.Fprintf(progress, "warning: %v\n", err)
			default:
				ours, have = got, distinct
				if distinct >= need {
					return ours, false
				}
				threshold = max(n, baseline) + need - distinct
			}
		}
		if ctx.Err() != nil {
			return ours, false
		}
		if !time.Now().Before(deadline) {
			return ours, true
		}
		if time.Since(lastReport) >= 5*time.Second {
			fmt.Fprintf(progress, "  sandbox has sent about %d/%d\n", have, need)
			lastReport = time.Now()
		}
		wait := poll
		if !countable {
			wait = max(poll, 2*time.Second) // every poll is a full read
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(wait, max(time.Until(deadline), 0))):
		}
	}
}

// apiRun is the part of a run record the benchmark reads.
type apiRun struct {
	ID      int64  `json:"id"`
	Status  string `json:"status"`
	Trigger struct {
		CustomerPhone string `json:"customer_phone"`
	} `json:"trigger"`
	Steps []struct {
		Status string `json:"status"`
	} `json:"steps"`
	Error *struct {
		Code string `json:"code"`
	} `json:"error"`
}

func runsPath(flowID int64, status string, limit int, before int64) string {
	q := url.Values{"flow_id": {strconv.FormatInt(flowID, 10)}, "limit": {strconv.Itoa(limit)}}
	if status != "" {
		q.Set("status", status)
	}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	return "/api/v1/runs?" + q.Encode()
}

// countRuns waits (bounded) for runs still recording their send's outcome,
// then reads every run of the flow, 200 per page, and counts them.
func countRuns(ctx context.Context, c *apiClient, cfg *flowsConfig, res *flowsResult, customers map[string]int, progress io.Writer) {
	settle := cfg.RunSettle
	if settle <= 0 {
		settle = 2 * time.Minute
	}
	start := time.Now()
	for deadline := start.Add(settle); ; {
		busy := 0
		for _, st := range []string{"running", "waiting"} {
			var page struct {
				Runs []apiRun `json:"runs"`
			}
			if _, err := c.do(ctx, http.MethodGet, runsPath(res.FlowID, st, 1, 0), nil, &page, http.StatusOK); err != nil {
				res.RunsError = err.Error()
				return
			}
			busy += len(page.Runs)
		}
		if busy == 0 || !time.Now().Before(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	// Until no run was busy, not until every run is read below: reading
	// 30,000 runs through the API takes seconds of its own.
	res.RunsSettleS = time.Since(start).Seconds()

	res.Runs, res.RunErrors = map[string]int{}, map[string]int{}
	seen := make(map[string]bool, len(customers))
	var before int64
	for {
		var page struct {
			Runs []apiRun `json:"runs"`
		}
		if _, err := c.do(ctx, http.MethodGet, runsPath(res.FlowID, "", 200, before), nil, &page, http.StatusOK); err != nil {
			res.RunsError = err.Error()
			return
		}
		if len(page.Runs) == 0 {
			break
		}
		for _, r := range page.Runs {
			if before == 0 || r.ID < before {
				before = r.ID
			}
			res.Runs[r.Status]++
			wa := strings.TrimPrefix(r.Trigger.CustomerPhone, "+")
			if _, ok := customers[wa]; ok {
				if seen[wa] {
					res.DuplicateRuns++
				}
				seen[wa] = true
			}
			switch r.Status {
			case "completed":
				res.RunsCompleted++
				if len(r.Steps) < benchFlowSteps {
					res.ShortRuns++
				}
			case "failed":
				res.RunsFailed++
				code := "(none)"
				if r.Error != nil && r.Error.Code != "" {
					code = r.Error.Code
				}
				res.RunErrors[code]++
			}
		}
	}
	if other := res.Runs["running"] + res.Runs["waiting"]; other > 0 {
		fmt.Fprintf(progress, "warning: %d runs still running or waiting %s after the last send\n", other, settle)
	}
}

// cpuWindow measures CPU use over the measured window: the server's, the
// benchmark's own and the whole machine's. The last one includes
// PostgreSQL, which does a large part of the work on that database and
// is invisible in the server's own figure.
type cpuWindow struct {
	pid                   int
	at                    time.Time
	self, server, machine time.Duration
	serverOK, machineOK   bool
}

func startCPUWindow(pid int) *cpuWindow {
	w := &cpuWindow{pid: pid, at: time.Now(), self: selfCPU()}
	if pid > 0 {
		w.server, w.serverOK = readCPUOrZero(readProcCPU(pid))
	}
	w.machine, w.machineOK = readCPUOrZero(machineBusy())
	return w
}

func readCPUOrZero(d time.Duration, err error) (time.Duration, bool) { return d, err == nil }

func (w *cpuWindow) stop(res *flowsResult) {
	el := time.Since(w.at).Seconds()
	if el <= 0 {
		return
	}
	res.ClientCPUPct = 100 * (selfCPU() - w.self).Seconds() / el
	if w.serverOK {
		if d, err := readProcCPU(w.pid); err == nil {
			res.ServerCPUPct = 100 * (d - w.server).Seconds() / el
		}
	}
	if w.machineOK {
		if d, err := machineBusy(); err == nil {
			res.MachineCPUPct = 100 * (d - w.machine).Seconds() / el
			res.Cores = runtime.NumCPU()
		}
	}
}

// machineBusy is the non-idle CPU time of all cores since boot, from the
// first line of /proc/stat (user nice system idle iowait irq softirq steal).
func machineBusy() (time.Duration, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("unexpected /proc/stat line %q", line)
	}
	var busy int64
	for i, v := range f[1:9] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / clockTicks, nil
}
