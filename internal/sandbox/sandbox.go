package sandbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultWABAID is the simulated WhatsApp Business Account id used when
// Config.WABAID is empty. It names the sandbox and guards nothing.
const DefaultWABAID = "100000000000001"

// LegacySecrets are the constant app secret, access token and verify token
// older versions gave every sandbox. Anyone could sign a webhook with them,
// so a stored sandbox account still holding one gets new random secrets.
func LegacySecrets() []string {
	return []string{"sandbox-app-secret", "sandbox-access-token", "sandbox-verify-token"}
}

// NoStatusDelay, used as Config.StatusDelay, makes sent, delivered and read
// callbacks due immediately (a zero StatusDelay means the 200ms default).
const NoStatusDelay time.Duration = -1

const (
	defaultThroughputMPS      = 80
	defaultMessagingLimitTier = "TIER_2K"
	defaultStatusDelay        = 200 * time.Millisecond
	defaultRetryInitial       = 100 * time.Millisecond
	defaultRetryMax           = 5 * time.Second
	defaultMaxAttempts        = 10
	// defaultBatchSize is Meta's documented ceiling of updates per webhook
	// POST. The sandbox delivers one POST at a time, in queue order, so
	// when many events are due at once (a busy sender's sent, delivered
	// and read callbacks) the batch is what keeps up: with 50 per POST,
	// at ~30 ms per acknowledgement, delivery topped out near 1,600
	// events/s and a sender at 1,700 msg/s (5,100 callbacks/s) left
	// half of them queued for after the load.
	defaultBatchSize = 1000
)

// Config configures a Sandbox. Zero values get sensible defaults (see New).
type Config struct {
	WABAID      string           // default DefaultWABAID
	AppSecret   string           // signs webhooks; default a random one (RandomSecret)
	AccessToken string           // the only Bearer token Graph routes accept (else 401 code 190); default a random one
	VerifyToken string           // sent by VerifyWebhook as hub.verify_token; default a random one
	Senders     []Sender         // default DefaultSenders()
	Templates   []Template       // default DefaultTemplates()
	WebhookURL  string           // where webhooks are POSTed; may be set later with SetWebhookURL
	Now         func() time.Time // clock for timestamps, the 24-h window and rate limits; default time.Now
	HTTPClient  *http.Client     // webhook delivery; default a client with a 10s timeout
	StatusDelay time.Duration    // gap between sent→delivered→read callbacks; 0 = 200ms, NoStatusDelay = immediate
	Logger      *slog.Logger     // default slog.Default()

	// ThrottleHTTPStatus is the HTTP status of throttling errors (4, 80007,
	// 130429, 131056). Meta's newer error table says 429, the older one 400;
	// clients must classify by code either way. Default 429.
	ThrottleHTTPStatus int
	// PairRateLimit enforces Meta's business→user pair rate (1 message per 6 s,
	// bursts up to 45) with error 131056. Off by default so load tests that
	// message one customer are not throttled.
	PairRateLimit bool
	// AsyncUndeliverable reports sends to numbers marked with SetNotOnWhatsApp
	// as Meta often does: 200 accepted, then a "failed" status webhook with
	// error 131026, instead of a synchronous 400.
	AsyncUndeliverable bool
	// Webhook retry schedule (Meta's, compressed): first retry after
	// RetryInitial (default 100ms), doubling up to RetryMax (default 5s),
	// giving up after MaxAttempts attempts (default 10).
	RetryInitial time.Duration
	RetryMax     time.Duration
	MaxAttempts  int
	// ControlHosts are the host names (a port is ignored) the control API
	// accepts in the Host header besides loopback ones: the address the
	// server listens on and its public host. See guardControl.
	ControlHosts []string
	// SenderTaken, when set, reports whether a phone number id already
	// belongs to a real (non-sandbox) sender; AddSender refuses such ids
	// so nothing the sandbox simulates can name a real number.
	SenderTaken func(phoneNumberID string) (bool, error)
	// MaxRecords bounds each record tests read (Sent, Received, Typing):
	// beyond it the oldest tenth is dropped, so a sandbox left running
	// does not grow without end. Default 100,000.
	MaxRecords int
	// PayloadsKept: how many of the latest sends keep their request body
	// (SentMessage.Payload); older ones keep everything else. The bodies
	// were most of the record's memory, and people and tests look at the
	// latest sends (a customer's tap reads the body it answers). Default
	// 1,000.
	PayloadsKept int
}

// SentMessage is one message the send endpoint accepted. Tests use Sent() to
// prove nothing was lost or sent twice.
type SentMessage struct {
	WAMID            string          `json:"wamid"`
	PhoneNumberID    string          `json:"phone_number_id"`
	To               string          `json:"to"`    // `to` exactly as the request wrote it
	WaID             string          `json:"wa_id"` // normalised digits
	Type             string          `json:"type"`
	Text             string          `json:"text,omitempty"` // text body, rendered template body, caption, emoji or interactive body
	TemplateName     string          `json:"template_name,omitempty"`
	TemplateLanguage string          `json:"template_language,omitempty"`
	Params           []string        `json:"params,omitempty"` // template body parameter values, in request order
	Payload          json.RawMessage `json:"payload"`          // the request body as received (the latest Config.PayloadsKept sends only)
	Time             time.Time       `json:"time"`
}

// InboundMessage is one message a simulated customer sent (CustomerWrites).
type InboundMessage struct {
	WAMID         string    `json:"wamid"`
	PhoneNumberID string    `json:"phone_number_id"`
	From          string    `json:"from"` // wa_id digits
	Name          string    `json:"name"`
	Text          string    `json:"text"`
	Time          time.Time `json:"time"`
}

// Sandbox is one simulated WhatsApp Business Account with its numbers,
// templates, customers and webhook queue. All methods are safe for
// concurrent use.
type Sandbox struct {
	cfg     Config
	log     *slog.Logger
	client  *http.Client
	handler http.Handler

	mu         sync.Mutex
	senders    map[string]*senderState
	order      []string // sender ids in config order
	templates  []Template
	webhookURL string
	windows    map[pairKey]time.Time // last customer message per (sender, wa_id)
	notOnWA    map[string]bool       // wa_ids that are not on WhatsApp
	stopped    map[string]bool       // wa_ids that stopped marketing messages (customer_preference.go)
	convs      map[convKey]conversation
	sweepAt    int // entries in windows, convs and pairs that start a sweep (sweep.go)
	sent       []SentMessage
	throttled  int // sends answered 130429, for benchmarks (GET /sandbox/api/sent/count)
	inbound    []InboundMessage
	typing     []TypingIndicator // typing.go
	media      mediaStore        // media.go
	reads      []ReadReceipt     // reads.go
	dupNext    int               // next webhook POSTs to deliver twice
	q          queue

	runMu  sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type senderState struct {
	Sender
	window    slidingWindow
	pairs     map[string]*tokenBucket
	failCount int
	failCode  int
}

type pairKey struct{ phoneID, waID string }

// New builds a Sandbox, filling every zero Config field with its default.
// Call Start to begin webhook delivery.
func New(cfg Config) *Sandbox {
	cfg = withDefaults(cfg)
	s := &Sandbox{
		cfg:        cfg,
		log:        cfg.Logger,
		client:     cfg.HTTPClient,
		senders:    make(map[string]*senderState),
		webhookURL: cfg.WebhookURL,
		windows:    make(map[pairKey]time.Time),
		notOnWA:    make(map[string]bool),
		stopped:    make(map[string]bool),
		convs:      make(map[convKey]conversation),
		q:          newQueue(),
	}
	for _, snd := range cfg.Senders {
		s.senders[snd.PhoneNumberID] = &senderState{Sender: snd, pairs: make(map[string]*tokenBucket)}
		s.order = append(s.order, snd.PhoneNumberID)
	}
	s.templates = cloneTemplates(cfg.Templates)
	s.handler = s.routes()
	return s
}

func withDefaults(cfg Config) Config {
	if cfg.WABAID == "" {
		cfg.WABAID = DefaultWABAID
	}
	// Random, never constant: the app stores them with the sandbox
	// account, and a value anyone could read in the source would let
	// anyone sign a webhook for that account.
	if cfg.AppSecret == "" {
		cfg.AppSecret = RandomSecret()
	}
	if cfg.AccessToken == "" {
		cfg.AccessToken = RandomSecret()
	}
	if cfg.VerifyToken == "" {
		cfg.VerifyToken = RandomSecret()
	}
	if len(cfg.Senders) == 0 {
		cfg.Senders = DefaultSenders()
	} else {
		cfg.Senders = append([]Sender(nil), cfg.Senders...)
	}
	for i := range cfg.Senders {
		cfg.Senders[i] = senderDefaults(cfg.Senders[i])
	}
	if len(cfg.Templates) == 0 {
		cfg.Templates = DefaultTemplates()
	} else {
		cfg.Templates = cloneTemplates(cfg.Templates)
	}
	for i := range cfg.Templates {
		t := &cfg.Templates[i]
		if t.ID == "" {
			t.ID = strconv.Itoa(1000000000000900 + i)
		}
		if t.Status == "" {
			t.Status = "APPROVED"
		}
		if t.ParameterFormat == "" {
			t.ParameterFormat = "POSITIONAL"
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.StatusDelay == 0 {
		cfg.StatusDelay = defaultStatusDelay
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ThrottleHTTPStatus == 0 {
		cfg.ThrottleHTTPStatus = http.StatusTooManyRequests
	}
	if cfg.RetryInitial <= 0 {
		cfg.RetryInitial = defaultRetryInitial
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = defaultRetryMax
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = defaultMaxAttempts
	}
	if cfg.MaxRecords <= 0 {
		cfg.MaxRecords = 100_000
	}
	if cfg.PayloadsKept <= 0 {
		cfg.PayloadsKept = 1000
	}
	return cfg
}

// record appends v to a record, dropping the oldest tenth once it holds
// limit entries.
func record[T any](list []T, v T, limit int) []T {
	if len(list) >= limit {
		drop := max(len(list)/10, 1)
		list = append(list[:0], list[drop:]...)
	}
	return append(list, v)
}

func senderDefaults(snd Sender) Sender {
	if snd.QualityRating == "" {
		snd.QualityRating = "GREEN"
	}
	if snd.Status == "" {
		snd.Status = "CONNECTED"
	}
	if snd.ThroughputMPS <= 0 {
		snd.ThroughputMPS = defaultThroughputMPS
	}
	if snd.CountryCode == "" {
		snd.CountryCode = countryCodeOf(snd.DisplayPhoneNumber)
	}
	if snd.MessagingLimitTier == "" {
		snd.MessagingLimitTier = defaultMessagingLimitTier
	}
	return snd
}

// countryCodeOf reads the country code from a display number written like
// "+55 11 4000-0001" (the digits between "+" and the first separator).
func countryCodeOf(display string) string {
	rest, ok := strings.CutPrefix(strings.TrimSpace(display), "+")
	if ok {
		end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if end > 0 && end <= 3 {
			return rest[:end]
		}
	}
	return "55"
}

func cloneTemplates(in []Template) []Template {
	out := make([]Template, len(in))
	for i, t := range in {
		out[i] = t
		out[i].Components = append([]TemplateComponent(nil), t.Components...)
	}
	return out
}

// Config returns the effective configuration after defaults, so the app can
// show or store the WABA id, token, secret and numbers it should use.
func (s *Sandbox) Config() Config {
	cfg := s.cfg
	cfg.Senders = append([]Sender(nil), s.cfg.Senders...)
	cfg.Templates = cloneTemplates(s.cfg.Templates)
	s.mu.Lock()
	cfg.WebhookURL = s.webhookURL
	s.mu.Unlock()
	return cfg
}

// SetWebhookURL sets where webhooks are POSTed; the app usually knows its own
// intake URL only once its listener is up.
func (s *Sandbox) SetWebhookURL(url string) {
	s.mu.Lock()
	s.webhookURL = url
	s.mu.Unlock()
}

// Handler serves the Graph routes and the control API. It expects full paths
// starting with /sandbox/ (mount it at "/sandbox/" without StripPrefix).
func (s *Sandbox) Handler() http.Handler { return s.handler }

// Senders returns the current state of every number (status, quality and
// throughput changes included), in configuration order.
func (s *Sandbox) Senders() []Sender {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Sender, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.senders[id].Sender)
	}
	return out
}

// Templates returns the current templates (status changes included).
func (s *Sandbox) Templates() []Template {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneTemplates(s.templates)
}

// Sent returns a copy of every message the send endpoint accepted, in order.
func (s *Sandbox) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(make([]SentMessage, 0, len(s.sent)), s.sent...)
}

// Received returns a copy of every message simulated customers sent, in order.
func (s *Sandbox) Received() []InboundMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(make([]InboundMessage, 0, len(s.inbound)), s.inbound...)
}

func (s *Sandbox) now() time.Time { return s.cfg.Now() }

// Start starts webhook delivery; it stops when ctx is done or Close is
// called. Calling Start again while running, or after Close, does nothing.
func (s *Sandbox) Start(ctx context.Context) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.deliveryLoop(ctx)
	}()
}

// Close stops webhook delivery and waits for the delivery goroutine.
// Undelivered webhooks are dropped (the sandbox is in-memory by design).
func (s *Sandbox) Close() {
	s.runMu.Lock()
	cancel := s.cancel
	if cancel == nil {
		s.cancel = func() {} // a later Start stays a no-op
	}
	s.runMu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.wg.Wait()
}
