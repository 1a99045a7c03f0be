package campaign

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// Defaults of Options.
const (
	// DefaultBatch is how many recipients one expansion transaction
	// writes: a few milliseconds of SQLite's single writer.
	DefaultBatch = 1000
	// DefaultShare is the part of a sender's rate campaigns may use, so
	// replies and flows still get through.
	DefaultShare = 0.8
	// DefaultTick is how often a running campaign releases its next
	// batch: pause, resume and cancel take effect within it.
	DefaultTick = 500 * time.Millisecond
	// SettingsKey holds {"send_share": 0.8}.
	SettingsKey = "campaigns"
)

// Options configure a Service.
type Options struct {
	DB       store.DB
	Accounts *account.Service
	Outbox   *messaging.Outbox
	Settings *settings.Store // optional: the send share setting
	Queue    *jobs.Queue     // optional in tests: Run is called directly
	Now      func() time.Time
	Log      *slog.Logger
	Batch    int
	Tick     time.Duration
}

// Service manages campaigns and runs them.
type Service struct {
	db       store.DB
	accounts *account.Service
	outbox   *messaging.Outbox
	settings *settings.Store
	queue    *jobs.Queue
	now      func() time.Time
	log      *slog.Logger
	batch    int
	tick     time.Duration
	pace     pacer
	stopping chan struct{} // closed by Stop
	stopOnce sync.Once
}

// New builds a Service.
func New(o Options) *Service {
	s := &Service{db: o.DB, accounts: o.Accounts, outbox: o.Outbox, settings: o.Settings, queue: o.Queue,
		now: o.Now, log: o.Log, batch: o.Batch, tick: o.Tick, stopping: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.batch <= 0 {
		s.batch = DefaultBatch
	}
	if s.tick <= 0 {
		s.tick = DefaultTick
	}
	return s
}

// share is the send share setting: the part of each sender's rate
// campaigns may use together.
func (s *Service) share(ctx context.Context, q store.Querier) float64 {
	if s.settings == nil {
		return DefaultShare
	}
	raw, err := s.settings.Raw(ctx, q, SettingsKey)
	if err != nil || raw == nil {
		return DefaultShare
	}
	var v struct {
		SendShare float64 `json:"send_share"`
	}
	if json.Unmarshal(raw, &v) != nil || v.SendShare <= 0 || v.SendShare > 1 {
		return DefaultShare
	}
	return v.SendShare
}
