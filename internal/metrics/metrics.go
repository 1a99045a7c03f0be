// Package metrics defines zapflow's Prometheus metrics in one struct built
// once and injected, so tests get their own registry and nothing is global.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds every collector.
type Metrics struct {
	Registry         *prometheus.Registry
	WebhookRequests  *prometheus.CounterVec // by result
	WebhookLatency   prometheus.Histogram   // seconds, request to answer
	EventsStored     *prometheus.CounterVec // by kind
	EventsDuplicate  prometheus.Counter     // repeated deliveries ignored
	EventsProcessed  *prometheus.CounterVec // by result
	EventsDropped    *prometheus.CounterVec // by error code (foreign_event, unknown_sender, ...)
	CommitBatchSize  prometheus.Histogram   // webhook requests per intake commit
	JobsFailed       *prometheus.CounterVec // by kind
	QueueDepthSource func() (map[string]int, error)
	PendingSource    func() (int, error)
	opsMetrics       // sends, pacing, flows, AI, forwarding, live streams, database (ops.go)
}

// New builds and registers the collectors.
func New() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.WebhookRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_webhook_requests_total", Help: "Cloud API webhook POSTs by result (ok, bad_signature, malformed, too_large, unknown_account, error).",
	}, []string{"result"})
	m.WebhookLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "zapflow_webhook_request_seconds", Help: "Time from receiving a webhook POST to answering it (after commit).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	m.EventsStored = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_webhook_events_stored_total", Help: "Webhook events durably stored, by kind.",
	}, []string{"kind"})
	m.EventsDuplicate = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "zapflow_webhook_events_duplicate_total", Help: "Webhook events already stored before (redeliveries).",
	})
	m.EventsProcessed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_events_processed_total", Help: "Stored events applied to conversations, by result (ok, error).",
	}, []string{"result"})
	m.EventsDropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_events_dropped_total",
		Help: "Stored events not applied, by code: foreign_event (names an account, number or message the signing account does not own), unknown_sender, invalid_phone, ...",
	}, []string{"code"})
	m.CommitBatchSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "zapflow_intake_commit_requests", Help: "Webhook requests grouped into one intake commit.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 10),
	})
	m.JobsFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zapflow_jobs_failed_total", Help: "Job attempts that returned an error, by kind.",
	}, []string{"kind"})
	m.Registry.MustRegister(m.WebhookRequests, m.WebhookLatency, m.EventsStored, m.EventsDuplicate, m.EventsProcessed, m.EventsDropped,
		m.CommitBatchSize, m.JobsFailed, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		depthCollector{m}, pendingCollector{m})
	m.registerOps()
	return m
}

var (
	depthDesc   = prometheus.NewDesc("zapflow_jobs_queue_depth", "Jobs waiting to run (available, scheduled or retryable), by kind.", []string{"kind"}, nil)
	pendingDesc = prometheus.NewDesc("zapflow_events_pending", "Stored webhook events not yet processed.", nil, nil)
)

// depthCollector reads the job queue depth at scrape time.
type depthCollector struct{ m *Metrics }

func (c depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- depthDesc }
func (c depthCollector) Collect(ch chan<- prometheus.Metric) {
	if c.m.QueueDepthSource == nil {
		return
	}
	depth, err := c.m.QueueDepthSource()
	if err != nil {
		return
	}
	for kind, n := range depth {
		ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(n), kind)
	}
}

// pendingCollector counts unprocessed events at scrape time.
type pendingCollector struct{ m *Metrics }

func (c pendingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- pendingDesc }
func (c pendingCollector) Collect(ch chan<- prometheus.Metric) {
	if c.m.PendingSource == nil {
		return
	}
	if n, err := c.m.PendingSource(); err == nil {
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(n))
	}
}
