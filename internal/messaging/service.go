package messaging

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// Service reads the conversation record and processes webhook events into it.
type Service struct {
	db       store.DB
	accounts *account.Service
	now      func() time.Time
	log      *slog.Logger
	hooks    []InboundHook
	settings *settings.Store
	// onLinked reports a send whose outcome was in doubt and that a status
	// webhook showed Meta accepted (set by Outbox.Attach).
	onLinked OutcomeHook
	pending  pendingSweeper

	statusHooks  []StatusHook                   // see OnStatus
	optOutFolded atomic.Pointer[optOutKeywords] // see foldedOptOut
}

// New builds a Service. st keeps the settings people change at runtime
// (the opt-out keywords); nil gives a private store.
func New(db store.DB, accounts *account.Service, st *settings.Store, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	if st == nil {
		st = settings.New(db, now, 0)
	}
	return &Service{db: db, accounts: accounts, settings: st, now: now, log: log, pending: pendingSweeper{kick: make(chan struct{}, 1)}}
}

// OnInbound registers a hook run for every new inbound message, inside the
// processing transaction (so whatever it enqueues commits with the
// message). Lead capture, triggers and the assistant hang here.
func (s *Service) OnInbound(h InboundHook) { s.hooks = append(s.hooks, h) }
