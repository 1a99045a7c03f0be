package main

import (
	"math"
	"slices"
	"time"
)

// Latencies summarises request latencies. All latencies of a run are kept
// (8 bytes each: 10 s at 10k req/s is under 1 MiB), so percentiles are exact
// rather than bucket approximations.
type Latencies struct {
	Count                    int
	Mean, P50, P90, P99, Max time.Duration
}

// summarize sorts d in place and returns its summary.
func summarize(d []time.Duration) Latencies {
	if len(d) == 0 {
		return Latencies{}
	}
	slices.Sort(d)
	var sum time.Duration
	for _, v := range d {
		sum += v
	}
	return Latencies{
		Count: len(d),
		Mean:  sum / time.Duration(len(d)),
		P50:   percentile(d, 50),
		P90:   percentile(d, 90),
		P99:   percentile(d, 99),
		Max:   d[len(d)-1],
	}
}

// percentile returns the nearest-rank percentile p (0 < p <= 100) of an
// ascending slice: the smallest value such that at least p% of the values
// are <= it. Nearest-rank never interpolates, so the result is always a
// latency that was actually observed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// ms converts a duration to fractional milliseconds for reports.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// perSenderStats measures how each sender was paced from the times the
// sandbox accepted its sends (times[i] belongs to senders[i]; sorted here).
func perSenderStats(senders []apiSender, times [][]time.Time, rate int) []senderStats {
	out := make([]senderStats, 0, len(senders))
	for i, s := range senders {
		ts := times[i]
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		st := senderStats{ID: s.ID, PhoneNumberID: s.PhoneNumberID, ConfiguredRate: rate, Sends: len(ts)}
		if len(ts) > 0 {
			st.First, st.Last = ts[0], ts[len(ts)-1]
			st.MeasuredRate = measuredRate(ts)
			st.DeviationPct = deviationPct(st.MeasuredRate, rate)
			st.MaxPerSecond = maxInWindow(ts, time.Second)
			st.MaxGapS = maxGap(ts).Seconds()
		}
		out = append(out, st)
	}
	return out
}
