package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Operator metrics of the send pipeline, flows, the AI assistant,
// forwarding, live streams and the database. Domain packages call the
// nil-safe methods below at the place each event happens (a nil
// *Metrics, as in most unit tests, records nothing); what is cheaper to
// read than to count (queue depth, backlogs, connected streams) is read
// at scrape time through the Source functions the app sets.
//
// Labels stay bounded: sender ids (a handful of numbers per install),
// our stable error codes, step types, call purposes and outcomes.

// SenderQueue is one sender's share of the send queue, read at scrape.
type SenderQueue struct {
	Sender int64
	Depth  int
	// Oldest is how long the oldest due message has waited past the
	// time it was due (0 when none is overdue yet).
	Oldest time.Duration
}

// opsMetrics are the collectors behind the methods below.
type opsMetrics struct {
	SendAttempts    *prometheus.CounterVec   // by sender, status, code
	PacingBooked    *prometheus.CounterVec   // by sender
	PacingLimit     *prometheus.GaugeVec     // by sender
	FlowRunsStarted prometheus.Counter       //
	FlowRunsEnded   *prometheus.CounterVec   // by status
	FlowRunsFailed  *prometheus.CounterVec   // by step_type
	FlowStepSeconds *prometheus.HistogramVec // by step_type
	AICallSeconds   *prometheus.HistogramVec // by purpose
	AICallErrors    *prometheus.CounterVec   // by purpose, code
	ForwardAttempts *prometheus.CounterVec   // by outcome
	ForwardSeconds  prometheus.Histogram     //
	TxSeconds       *prometheus.HistogramVec // by dialect

	// Read at scrape time; nil sources export nothing.
	SendQueueSource      func() ([]SenderQueue, error)
	ForwardPendingSource func() (int, error)
	LiveClientsSource    func() int
	LiveDeliveredSource  func() uint64
	// SendUnrecordedSource: send outcomes waiting to be recorded.
	SendUnrecordedSource func() int
	// WriterBusySource: how long SQLite's one writer has been held, by
	// work (store.WriterBusy); nil on PostgreSQL.
	WriterBusySource func() map[string]time.Duration
}

// latencyBuckets cover a local call (1 ms) to a slow remote one (30 s).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// stepBuckets also cover steps that wait (a send's outcome, a reply, a
// delay): up to a day.
var stepBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400}

func (m *Metrics) registerOps() {
	o := &m.opsMetrics
	o.SendAttempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_send_attempts_total",
		Help: "Send attempts to the Cloud API by sender id, status (sent, retry, failed, released) and error code (empty when sent).",
	}, []string{"sender", "status", "code"})
	o.PacingBooked = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_pacing_slots_booked_total", Help: "Send slots booked from the rate limiter, by sender id (compare its rate with zapflow_pacing_limit_per_second).",
	}, []string{"sender"})
	o.PacingLimit = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "zapflow_pacing_limit_per_second", Help: "The messages per second each sender is paced at, by sender id.",
	}, []string{"sender"})
	o.FlowRunsStarted = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "zapflow_flow_runs_started_total", Help: "Flow runs started (test runs included).",
	})
	o.FlowRunsEnded = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_flow_runs_ended_total", Help: "Flow runs that ended, by status (completed, failed, cancelled).",
	}, []string{"status"})
	o.FlowRunsFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_flow_runs_failed_total", Help: "Flow runs that failed, by the type of the step that failed them (none: the loop guard).",
	}, []string{"step_type"})
	o.FlowStepSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zapflow_flow_step_seconds", Help: "Time from a step's start to its end (waits included: a send's outcome, a reply, a delay), by step type.",
		Buckets: stepBuckets,
	}, []string{"step_type"})
	o.AICallSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zapflow_ai_call_seconds", Help: "AI model call latency, by purpose (reply, whatsapp, transform); its _count is the number of calls.",
		Buckets: latencyBuckets,
	}, []string{"purpose"})
	o.AICallErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_ai_call_errors_total", Help: "AI model calls that failed, by purpose and error code.",
	}, []string{"purpose", "code"})
	o.ForwardAttempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_forward_attempts_total", Help: "Forwarding delivery attempts to the CRM endpoint, by outcome (delivered, retry, failed).",
	}, []string{"outcome"})
	o.ForwardSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "zapflow_forward_attempt_seconds", Help: "Forwarding delivery attempt latency (request to answer).", Buckets: latencyBuckets,
	})
	o.TxSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zapflow_db_tx_seconds", Help: "Write transaction time, from asking for it (on SQLite: waiting for the one writer connection) to commit or rollback, by dialect.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"dialect"})
	m.Registry.MustRegister(o.SendAttempts, o.PacingBooked, o.PacingLimit, o.FlowRunsStarted, o.FlowRunsEnded, o.FlowRunsFailed,
		o.FlowStepSeconds, o.AICallSeconds, o.AICallErrors, o.ForwardAttempts, o.ForwardSeconds, o.TxSeconds, scrapeCollector{m})
}

// SendAttempt counts one send attempt's result.
func (m *Metrics) SendAttempt(sender int64, status, code string) {
	if m == nil {
		return
	}
	m.SendAttempts.WithLabelValues(strconv.FormatInt(sender, 10), status, code).Inc()
}

// SlotBooked counts a rate-limit slot booked for sender at rate
// messages/second.
func (m *Metrics) SlotBooked(sender int64, rate float64) {
	if m == nil {
		return
	}
	id := strconv.FormatInt(sender, 10)
	m.PacingBooked.WithLabelValues(id).Inc()
	m.PacingLimit.WithLabelValues(id).Set(rate)
}

// FlowRunStarted counts a run started.
func (m *Metrics) FlowRunStarted() {
	if m == nil {
		return
	}
	m.FlowRunsStarted.Inc()
}

// FlowRunEnded counts a run that reached status; stepType names the step
// that failed it ("" when none did).
func (m *Metrics) FlowRunEnded(status, stepType string) {
	if m == nil {
		return
	}
	m.FlowRunsEnded.WithLabelValues(status).Inc()
	if status == "failed" {
		if stepType == "" {
			stepType = "none"
		}
		m.FlowRunsFailed.WithLabelValues(stepType).Inc()
	}
}

// FlowStep observes a finished step's duration.
func (m *Metrics) FlowStep(stepType string, d time.Duration) {
	if m == nil {
		return
	}
	m.FlowStepSeconds.WithLabelValues(stepType).Observe(max(d, 0).Seconds())
}

// AICall observes a model call; outcome is "ok" or the error's code.
func (m *Metrics) AICall(purpose, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.AICallSeconds.WithLabelValues(purpose).Observe(d.Seconds())
	if outcome != "ok" {
		m.AICallErrors.WithLabelValues(purpose, outcome).Inc()
	}
}

// ForwardAttempt observes a forwarding attempt.
func (m *Metrics) ForwardAttempt(outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.ForwardAttempts.WithLabelValues(outcome).Inc()
	m.ForwardSeconds.Observe(d.Seconds())
}

// TxObserver returns what the store calls after each write transaction
// of dialect, with the label resolved once.
func (m *Metrics) TxObserver(dialect string) func(time.Duration) {
	obs := m.TxSeconds.WithLabelValues(dialect)
	return func(d time.Duration) { obs.Observe(d.Seconds()) }
}

var (
	sendQueueDepthDesc  = prometheus.NewDesc("zapflow_send_queue_depth", "Messages queued for sending (due now, or later when retrying), by sender id.", []string{"sender"}, nil)
	sendQueueOldestDesc = prometheus.NewDesc("zapflow_send_queue_oldest_seconds", "How long the oldest due queued message has waited past its due time, by sender id.", []string{"sender"}, nil)
	sendUnrecordedDesc  = prometheus.NewDesc("zapflow_send_outcomes_unrecorded", "Sends done whose outcome waits to be recorded; the dispatcher claims nothing more past 8,192.", nil, nil)
	forwardPendingDesc  = prometheus.NewDesc("zapflow_forward_pending", "Forwarding deliveries not yet delivered (waiting, retrying or held).", nil, nil)
	liveClientsDesc     = prometheus.NewDesc("zapflow_live_clients", "Live event streams (inbox browsers) connected to this process.", nil, nil)
	liveDeliveredDesc   = prometheus.NewDesc("zapflow_live_events_delivered_total", "Live events written to event streams by this process.", nil, nil)
	peakRSSDesc         = prometheus.NewDesc("zapflow_process_peak_rss_bytes", "The process's peak resident memory (VmHWM; Linux only).", nil, nil)
	writerBusyDesc      = prometheus.NewDesc("zapflow_db_writer_busy_seconds_total",
		"SQLite only: time its one writer connection was held, by the work done (webhooks, sends, search, log, other); the rate of the sum is the writer's utilisation, 1 when saturated.", []string{"work"}, nil)
)

// scrapeCollector reads the Source functions at scrape time: one indexed
// query each for the send queue and the forwarding backlog.
type scrapeCollector struct{ m *Metrics }

func (c scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{sendQueueDepthDesc, sendQueueOldestDesc, sendUnrecordedDesc, forwardPendingDesc, liveClientsDesc, liveDeliveredDesc, peakRSSDesc, writerBusyDesc} {
		ch <- d
	}
}

func (c scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	o := &c.m.opsMetrics
	if o.SendQueueSource != nil {
		if qs, err := o.SendQueueSource(); err == nil {
			for _, q := range qs {
				id := strconv.FormatInt(q.Sender, 10)
				ch <- prometheus.MustNewConstMetric(sendQueueDepthDesc, prometheus.GaugeValue, float64(q.Depth), id)
				ch <- prometheus.MustNewConstMetric(sendQueueOldestDesc, prometheus.GaugeValue, q.Oldest.Seconds(), id)
			}
		}
	}
	if o.SendUnrecordedSource != nil {
		ch <- prometheus.MustNewConstMetric(sendUnrecordedDesc, prometheus.GaugeValue, float64(o.SendUnrecordedSource()))
	}
	if o.ForwardPendingSource != nil {
		if n, err := o.ForwardPendingSource(); err == nil {
			ch <- prometheus.MustNewConstMetric(forwardPendingDesc, prometheus.GaugeValue, float64(n))
		}
	}
	if o.LiveClientsSource != nil {
		ch <- prometheus.MustNewConstMetric(liveClientsDesc, prometheus.GaugeValue, float64(o.LiveClientsSource()))
	}
	if o.LiveDeliveredSource != nil {
		ch <- prometheus.MustNewConstMetric(liveDeliveredDesc, prometheus.CounterValue, float64(o.LiveDeliveredSource()))
	}
	if o.WriterBusySource != nil {
		for work, d := range o.WriterBusySource() {
			ch <- prometheus.MustNewConstMetric(writerBusyDesc, prometheus.CounterValue, d.Seconds(), work)
		}
	}
	if n, ok := peakRSS(); ok {
		ch <- prometheus.MustNewConstMetric(peakRSSDesc, prometheus.GaugeValue, float64(n))
	}
}
