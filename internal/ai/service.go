package ai

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// Enqueuer inserts jobs inside a transaction (jobs.Queue).
type Enqueuer interface {
	InsertTx(ctx context.Context, tx store.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// Sender queues a WhatsApp message through the one send pipeline
// (messaging.Outbox), inside the caller's transaction.
type Sender interface {
	SendTx(ctx context.Context, tx store.Tx, req messaging.SendRequest) (messaging.Message, error)
}

// TypingClient shows the typing indicator on a customer's message
// (whatsapp.Client).
type TypingClient interface {
	SendTypingIndicator(ctx context.Context, token, phoneNumberID, messageID string) error
}

// Options configures a Service.
type Options struct {
	DB       store.DB
	Box      *secret.Box
	Settings *settings.Store
	// Model calls the chat completions endpoint; nil means OpenAI over
	// a netguard client that refuses internal addresses.
	Model Model
	// CheckURL refuses a base_url at save time when it can already tell
	// the outbound guard will refuse it (netguard.Guard.CheckURL); nil: no
	// save-time check (the guard still refuses at call time).
	CheckURL func(string) error
	// SandboxURL is the sandbox model's base URL, used while no key and no
	// base URL are set ("" when the sandbox is off).
	SandboxURL string
	// The WhatsApp assistant's collaborators; nil Queue leaves it off.
	Queue     Enqueuer
	Outbox    Sender
	Accounts  *account.Service
	TypingFor func(account.Account) TypingClient
	// HistoryTokens bounds the history sent with each reply (estimated at
	// four characters a token). Default 3000.
	HistoryTokens int
	// FailureThreshold is how many model calls of one assistant fail in a
	// row before the team is notified. Default 3.
	FailureThreshold int
	Now              func() time.Time
	Log              *slog.Logger
	// Metrics times model calls and counts their errors (nil: not counted).
	Metrics *metrics.Metrics
}

// Service is the AI domain: settings, model calls, assistants, helpers
// and the WhatsApp assistant.
type Service struct {
	db            store.DB
	box           *secret.Box
	settings      *settings.Store
	model         Model
	checkURL      func(string) error
	sandboxURL    atomic.Pointer[string] // read on every model call; cleared when the sandbox turns off
	queue         Enqueuer
	outbox        Sender
	accounts      *account.Service
	typingFor     func(account.Account) TypingClient
	historyTokens int
	threshold     int
	now           func() time.Time
	log           *slog.Logger
	metrics       *metrics.Metrics
	pauseHooks    []PauseHook
	flowOwner     FlowOwner
}

// New builds a Service.
func New(o Options) *Service {
	if o.Model == nil {
		o.Model = &OpenAI{HTTP: netguard.New(netguard.Options{}).Client(0)}
	}
	if o.HistoryTokens <= 0 {
		o.HistoryTokens = 3000
	}
	if o.FailureThreshold <= 0 {
		o.FailureThreshold = 3
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Settings == nil {
		o.Settings = settings.New(o.DB, o.Now, 0)
	}
	s := &Service{db: o.DB, box: o.Box, settings: o.Settings, model: o.Model, checkURL: o.CheckURL,
		queue: o.Queue, outbox: o.Outbox, accounts: o.Accounts, typingFor: o.TypingFor,
		historyTokens: o.HistoryTokens, threshold: o.FailureThreshold, now: o.Now, log: o.Log, metrics: o.Metrics}
	s.SetSandboxURL(o.SandboxURL)
	return s
}

// SetSandboxURL points the no-key default at the sandbox model. The app
// learns the sandbox's address only once it listens, after the services
// are built; call it before serving. An empty url stops using the sandbox
// model (the sandbox turned off): calls without a key are then ai_disabled.
func (s *Service) SetSandboxURL(url string) { s.sandboxURL.Store(&url) }

// sandboxModelURL is the sandbox model's base URL, or "" when the sandbox is off.
func (s *Service) sandboxModelURL() string {
	if p := s.sandboxURL.Load(); p != nil {
		return *p
	}
	return ""
}
