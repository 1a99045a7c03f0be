package forward

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// Options configures a Service.
type Options struct {
	DB       store.DB
	Box      *secret.Box
	Settings *settings.Store
	// HTTP sends the deliveries: a netguard client, so private and
	// loopback addresses are refused unless ZAPFLOW_OUTBOUND_ALLOW allows
	// them. Its timeout bounds one attempt.
	HTTP *http.Client
	// CheckURL refuses an endpoint at save time when the outbound guard
	// already can (netguard.Guard.CheckURL); the guard checks again at
	// every send.
	CheckURL func(string) error
	// PublicURL is where the endpoint fetches a message's media from
	// (GET <PublicURL>/api/v1/messages/{id}/media with an API key).
	PublicURL string
	// Retry says when failed deliveries are tried again (DefaultRetry).
	Retry RetryPolicy
	// Lease is how long a claimed delivery stays claimed; a process that
	// dies mid-send leaves it due again after the lease. Default 2 minutes.
	Lease time.Duration
	// MaxInFlight bounds the sends one process makes at once. Default 16.
	MaxInFlight int
	// FailureLimit and FailureSpan say when the endpoint "keeps failing":
	// this many failed attempts in a row, or failures for this long
	// without a success. The team is notified once, until a success.
	// Defaults 10 and one hour.
	FailureLimit int
	FailureSpan  time.Duration
	// Jitter draws the retry jitter in [0,1) (nil: math/rand).
	Jitter func() float64
	Now    func() time.Time
	Log    *slog.Logger
	// UserAgent names zapflow to the endpoint.
	UserAgent string
	// Metrics counts attempts by outcome and times them (nil: not counted).
	Metrics *metrics.Metrics
}

// Service is webhook forwarding: its settings, the delivery rows, the
// dispatcher that sends them and the delivery log.
type Service struct {
	Options

	wakeCh   chan struct{}
	stop     chan struct{}
	stopped  chan struct{}
	inflight sync.WaitGroup
	slots    chan struct{} // one per send in flight
}

// New builds a Service; Start runs its dispatcher.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Settings == nil {
		o.Settings = settings.New(o.DB, o.Now, 0)
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if o.Retry == (RetryPolicy{}) {
		o.Retry = DefaultRetry
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 16
	}
	if o.FailureLimit <= 0 {
		o.FailureLimit = 10
	}
	if o.FailureSpan <= 0 {
		o.FailureSpan = time.Hour
	}
	if o.Jitter == nil {
		o.Jitter = jitter
	}
	if o.UserAgent == "" {
		o.UserAgent = "zapflow-forwarding/1"
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	return &Service{Options: o, wakeCh: make(chan struct{}, 1), slots: make(chan struct{}, o.MaxInFlight)}
}
