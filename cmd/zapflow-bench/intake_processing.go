package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
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

// eventCounters reads zapflow_events_processed_total (all results) and
// zapflow_events_pending from the server's /metrics, next to the webhook
// URL. ok is false when the server has no such metrics.
func eventCounters(ctx context.Context, client *http.Client, webhookURL string) (processed, pending int64, ok bool) {
	u, err := url.Parse(webhookURL)
	if err != nil {
		return 0, 0, false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.Scheme+"://"+u.Host+"/metrics", nil)
	if err != nil {
		return 0, 0, false
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return 0, 0, false
	}
	var seenPending bool
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name, value, found := strings.Cut(line, " ")
		if !found || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(name, "zapflow_events_processed_total"):
			processed += int64(v)
		case name == "zapflow_events_pending":
			pending, seenPending = int64(v), true
		}
	}
	return processed, pending, seenPending && sc.Err() == nil
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
