package messaging

import (
	"log/slog"
	"time"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/store"
)

// Service reads the conversation record and processes webhook events into it.
type Service struct {
	db       store.DB
	accounts *account.Service
	now      func() time.Time
	log      *slog.Logger
	hooks    []InboundHook
	// onLinked reports a send whose outcome was in doubt and that a status
	// webhook showed Meta accepted (set by Outbox.Attach).
	onLinked OutcomeHook
}

// New builds a Service.
func New(db store.DB, accounts *account.Service, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: db, accounts: accounts, now: now, log: log}
}

// OnInbound registers a hook run for every new inbound message, inside the
// processing transaction (so whatever it enqueues commits with the
// message). Lead capture, triggers and the assistant hang here.
func (s *Service) OnInbound(h InboundHook) { s.hooks = append(s.hooks, h) }
