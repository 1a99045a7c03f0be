package metrics

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

// Domain packages hold a nil *Metrics in most unit tests: every method
// must then do nothing.
func TestNilMetricsRecordNothing(t *testing.T) {
	var m *Metrics
	m.SendAttempt(1, "sent", "")
	m.SlotBooked(1, 80)
	m.FlowRunStarted()
	m.FlowRunEnded("failed", "send_template")
	m.FlowStep("branch", time.Second)
	m.AICall("reply", "ok", time.Second)
	m.ForwardAttempt("delivered", time.Second)
}

func TestOpsLabels(t *testing.T) {
	m := New()
	m.SendAttempt(7, "retry", "rate_limited")
	m.SlotBooked(7, 80)
	m.SlotBooked(7, 80)
	m.FlowRunEnded("failed", "")
	m.FlowRunEnded("completed", "send_template")
	m.FlowStep("wait", -time.Second) // a clock step back counts as 0
	m.AICall("reply", "ok", time.Second)
	m.AICall("reply", "ai_timeout", time.Second)
	m.TxObserver("sqlite")(time.Millisecond)
	require.Equal(t, 1.0, testutil.ToFloat64(m.SendAttempts.WithLabelValues("7", "retry", "rate_limited")))
	require.Equal(t, 2.0, testutil.ToFloat64(m.PacingBooked.WithLabelValues("7")))
	require.Equal(t, 80.0, testutil.ToFloat64(m.PacingLimit.WithLabelValues("7")))
	require.Equal(t, 1.0, testutil.ToFloat64(m.FlowRunsFailed.WithLabelValues("none")), "the loop guard fails no step")
	require.Equal(t, 1, testutil.CollectAndCount(m.FlowRunsFailed), "a completed run is no failure")
	require.Equal(t, 1, testutil.CollectAndCount(m.AICallErrors), "ok is no error")
	require.Equal(t, 1.0, testutil.ToFloat64(m.AICallErrors.WithLabelValues("reply", "ai_timeout")))
	require.NoError(t, testutil.CollectAndCompare(m.FlowStepSeconds, strings.NewReader(`
# HELP zapflow_flow_step_seconds Time from a step's start to its end (waits included: a send's outcome, a reply, a delay), by step type.
# TYPE zapflow_flow_step_seconds histogram
zapflow_flow_step_seconds_bucket{step_type="wait",le="0.001"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="0.005"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="0.01"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="0.025"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="0.05"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="0.1"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="0.25"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="0.5"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="1"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="2.5"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="5"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="10"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="30"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="60"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="300"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="900"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="3600"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="21600"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="86400"} 1
zapflow_flow_step_seconds_bucket{step_type="wait",le="+Inf"} 1
zapflow_flow_step_seconds_sum{step_type="wait"} 0
zapflow_flow_step_seconds_count{step_type="wait"} 1
`), "zapflow_flow_step_seconds"))
	require.Equal(t, 1, testutil.CollectAndCount(m.TxSeconds))
}

// The scrape-time collector exports what its sources return, and nothing
// for a source that fails or is not set.
func TestScrapeSources(t *testing.T) {
	m := New()
	m.SendQueueSource = func() ([]SenderQueue, error) {
		return []SenderQueue{{Sender: 1, Depth: 3, Oldest: 2 * time.Second}, {Sender: 2}}, nil
	}
	m.ForwardPendingSource = func() (int, error) { return 0, errTest }
	m.LiveClientsSource = func() int { return 4 }
	m.SendUnrecordedSource = func() int { return 7 }
	m.LiveDeliveredSource = func() uint64 { return 9 }
	m.WriterBusySource = func() map[string]time.Duration {
		return map[string]time.Duration{"webhooks": 1500 * time.Millisecond, "sends": 250 * time.Millisecond}
	}
	fams, err := m.Registry.Gather()
	require.NoError(t, err)
	got := map[string][]float64{}
	byWork := map[string]float64{}
	for _, f := range fams {
		for _, x := range f.GetMetric() {
			if f.GetName() == "zapflow_db_writer_busy_seconds_total" {
				byWork[x.GetLabel()[0].GetValue()] = x.Counter.GetValue()
			}
			switch {
			case x.Gauge != nil:
				got[f.GetName()] = append(got[f.GetName()], x.Gauge.GetValue())
			case x.Counter != nil:
				got[f.GetName()] = append(got[f.GetName()], x.Counter.GetValue())
			}
		}
	}
	require.Equal(t, []float64{3, 0}, got["zapflow_send_queue_depth"])
	require.Equal(t, []float64{2, 0}, got["zapflow_send_queue_oldest_seconds"])
	require.NotContains(t, got, "zapflow_forward_pending")
	require.Equal(t, []float64{4}, got["zapflow_live_clients"])
	require.Equal(t, []float64{7}, got["zapflow_send_outcomes_unrecorded"])
	require.Equal(t, []float64{9}, got["zapflow_live_events_delivered_total"])
	require.Equal(t, map[string]float64{"webhooks": 1.5, "sends": 0.25}, byWork, "one series per work")
	require.Len(t, got["zapflow_process_peak_rss_bytes"], 1)

	// On PostgreSQL the writer's source is not set: no series at all.
	fams, err = New().Registry.Gather()
	require.NoError(t, err)
	for _, f := range fams {
		require.NotEqual(t, "zapflow_db_writer_busy_seconds_total", f.GetName())
	}
	require.Positive(t, got["zapflow_process_peak_rss_bytes"][0])
}

type testError struct{}

func (testError) Error() string { return "test" }

var errTest error = testError{}

// The README's Metrics section lists every zapflow_ metric.
func TestREADMEListsEveryMetric(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	ch := make(chan *prometheus.Desc)
	go func() {
		New().Registry.Describe(ch)
		close(ch)
	}()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	n := 0
	for d := range ch {
		m := fq.FindStringSubmatch(d.String())
		require.NotNil(t, m, d.String())
		if strings.HasPrefix(m[1], "zapflow_") {
			require.Contains(t, string(readme), "| `"+m[1]+"` |", "README's Metrics table misses %s", m[1])
			n++
		}
	}
	require.Equal(t, 30, n)
}
