package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// processingStats is what the server's /metrics says about applying the
// stored events: accepting webhooks fast means little if processing falls
// behind and the backlog grows without end.
type processingStats struct {
	// ProcessedPerS: events applied per second during the measured window.
	ProcessedPerS float64 `json:"processed_per_s"`
	// PendingAtEnd: events stored but not yet applied when the load ended.
	PendingAtEnd int64 `json:"pending_at_end"`
	// DrainS: how long after the load the backlog took to reach zero
	// (-1: not within the wait).
	DrainS float64 `json:"drain_s"`
}

// serverMetrics reads the server's /metrics, next to the webhook URL:
// each series as it is named there, labels included, and each metric's
// sum over its series by bare name.
func serverMetrics(ctx context.Context, client *http.Client, webhookURL string) (map[string]float64, error) {
	u, err := url.Parse(webhookURL)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.Scheme+"://"+u.Host+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	sums := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		series, value, found := strings.Cut(line, " ")
		if !found || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		name, _, labelled := strings.Cut(series, "{")
		sums[name] += v
		if labelled {
			sums[series] = v
		}
	}
	return sums, sc.Err()
}

// eventCounters reads zapflow_events_processed_total (all results) and
// zapflow_events_pending from the server's /metrics, next to the webhook
// URL. ok is false when the server has no such metrics.
func eventCounters(ctx context.Context, client *http.Client, webhookURL string) (processed, pending int64, ok bool) {
	m, err := serverMetrics(ctx, client, webhookURL)
	if err != nil {
		return 0, 0, false
	}
	p, ok := m["zapflow_events_pending"]
	return int64(m["zapflow_events_processed_total"]), int64(p), ok
}

// writerBusyMetric is how long SQLite's one writer connection has been
// held: its growth over a run, against the run's length, is how busy the
// writer was, which says whether it was what bounded the run.
const writerBusyMetric = "zapflow_db_writer_busy_seconds_total"

// writerWindow measures the writer's busy time over a run.
type writerWindow struct {
	client *http.Client
	url    string
	at     time.Time
	start  map[string]float64
	ok     bool
}

func startWriterWindow(ctx context.Context, client *http.Client, webhookURL string) *writerWindow {
	w := &writerWindow{client: client, url: webhookURL, at: time.Now()}
	if m, err := serverMetrics(ctx, client, webhookURL); err == nil {
		_, w.ok = m[writerBusyMetric]
		w.start = m
	}
	return w
}

// writerStats is what the window saw: the share of the run the writer was
// held, in all and by work, and its time per unit of work (a message, a
// flow).
type writerStats struct {
	BusyPct float64            `json:"busy_pct"`
	ByWork  map[string]float64 `json:"by_work_pct,omitempty"`
	UsPer   float64            `json:"us_per"`
}

// String is the figures as the reports print them.
func (st *writerStats) String() string {
	works := slices.Sorted(maps.Keys(st.ByWork))
	slices.SortStableFunc(works, func(a, b string) int { return cmp.Compare(st.ByWork[b], st.ByWork[a]) })
	parts := make([]string, 0, len(works))
	for _, w := range works {
		if p := st.ByWork[w]; p >= 0.5 {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", w, p))
		}
	}
	split := ""
	if len(parts) > 0 {
		split = " (" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("%.0f%%%s", st.BusyPct, split)
}

// stop ends the window over units of work; nil when the server has no
// single writer (PostgreSQL) or could not be read.
func (w *writerWindow) stop(ctx context.Context, units int64) *writerStats {
	el := time.Since(w.at).Seconds()
	if !w.ok || el <= 0 {
		return nil
	}
	m, err := serverMetrics(ctx, w.client, w.url)
	if err != nil {
		return nil
	}
	busy, ok := m[writerBusyMetric]
	if !ok {
		return nil
	}
	held := busy - w.start[writerBusyMetric]
	st := &writerStats{BusyPct: 100 * held / el, ByWork: map[string]float64{}}
	prefix := writerBusyMetric + `{work="`
	for series, v := range m {
		if work, ok := strings.CutPrefix(series, prefix); ok {
			st.ByWork[strings.TrimSuffix(work, `"}`)] = 100 * (v - w.start[series]) / el
		}
	}
	if units > 0 {
		st.UsPer = 1e6 * held / float64(units)
	}
	return st
}

// waitDrained polls the pending count until it is zero or wait passes, and
// returns how long that took (-1 when it did not drain).
func waitDrained(ctx context.Context, client *http.Client, webhookURL string, wait time.Duration) float64 {
	start := time.Now()
	for time.Since(start) < wait {
		if _, pending, ok := eventCounters(ctx, client, webhookURL); ok && pending == 0 {
			return time.Since(start).Seconds()
		}
		select {
		case <-ctx.Done():
			return -1
		case <-time.After(100 * time.Millisecond):
		}
	}
	return -1
}

func printProcessing(w io.Writer, p *processingStats) {
	drain := "did not drain within the wait"
	if p.DrainS >= 0 {
		drain = fmt.Sprintf("backlog gone %.1fs after the load", p.DrainS)
	}
	fmt.Fprintf(w, "processing:     %.0f events/s applied during the load; %d pending at its end, %s\n", p.ProcessedPerS, p.PendingAtEnd, drain)
}
