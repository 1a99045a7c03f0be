package cleanup

import (
	"log/slog"
	"time"

	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// Defaults of Options.
const (
	// DefaultBatch is how many messages one delete transaction removes:
	// small enough that the transaction holds SQLite's one writer for a
	// few milliseconds, large enough that a million messages take a few
	// hundred transactions.
	DefaultBatch = 1000
	// DefaultStaleAfter is how long a run may go without a batch before
	// another instance takes its place (its process died).
	DefaultStaleAfter = 10 * time.Minute
	// retryFailedAfter is how soon a failed scheduled run is tried again.
	retryFailedAfter = 15 * time.Minute
	// webhookKeep is how long raw webhook events stay whatever the
	// retention: Meta redelivers a webhook for up to 7 days, and a stored
	// event is how a redelivery is recognised instead of bringing a
	// deleted message back.
	webhookKeep = 8 * 24 * time.Hour
)

// Options configure a Service.
type Options struct {
	DB       store.DB
	Settings *settings.Store
	Now      func() time.Time // defaults to time.Now
	// Location is the time zone of the cutoff's day and of the time of
	// day. zapflow has no business time zone setting, so the app passes
	// nil: UTC.
	Location *time.Location
	Log      *slog.Logger
	// Batch is the number of messages per delete transaction (DefaultBatch).
	Batch int
	// Pause is a rest between batches on top of handing the writer over
	// (0: none; the database's connection pool already gives a waiting
	// writer its turn between two batches).
	Pause time.Duration
	// StaleAfter: see DefaultStaleAfter.
	StaleAfter time.Duration
}

// Service runs cleanups and keeps their log.
type Service struct {
	db         store.DB
	settings   *settings.Store
	now        func() time.Time
	loc        *time.Location
	log        *slog.Logger
	batch      int
	pause      time.Duration
	staleAfter time.Duration
	// afterBatch runs after each committed batch (tests: cancel mid-run).
	afterBatch func()
}

// New builds a Service.
func New(o Options) *Service {
	s := &Service{db: o.DB, settings: o.Settings, now: o.Now, loc: o.Location, log: o.Log,
		batch: o.Batch, pause: o.Pause, staleAfter: o.StaleAfter}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.batch <= 0 {
		s.batch = DefaultBatch
	}
	if s.staleAfter <= 0 {
		s.staleAfter = DefaultStaleAfter
	}
	return s
}
