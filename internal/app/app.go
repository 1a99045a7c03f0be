// Package app builds every zapflow service from the configuration, in one
// place, and runs them with a graceful shutdown.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/cleanup"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/intake"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/privacy"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/web"
	"github.com/zapflow/zapflow/internal/web/ui"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Version is set at build time with -ldflags "-X …/internal/app.Version=…".
var Version = "dev"

// App is a wired zapflow instance.
type App struct {
	cfg        config.Config
	log        *slog.Logger
	now        func() time.Time
	DB         store.DB
	Writes     *store.Group // group-commits the API's event and send requests
	Queue      *jobs.Queue
	Metrics    *metrics.Metrics
	Accounts   *account.Service
	Messaging  *messaging.Service
	Contacts   *contact.Service
	Outbox     *messaging.Outbox
	Media      *messaging.MediaFetcher
	Flows      *flow.Service
	Leads      *lead.Service
	Agents     *agent.Service
	Settings   *settings.Store
	AI         *ai.Service
	Forward    *forward.Service // webhook forwarding to the business's own endpoint
	Writer     *intake.Writer
	Dispatcher *intake.Dispatcher
	Campaigns  *campaign.Service
	Live       *live.Hub        // the inbox's realtime events
	LiveBroker *live.Broker     // reads them for this process's event streams
	Sandbox    *sandbox.Sandbox // nil when off at start; see SandboxOn
	Cleanup    *cleanup.Service // the chat history cleanup
	// SearchIndex adds new messages and contacts to SQLite's search
	// indexes in the background (nothing on PostgreSQL).
	SearchIndex *store.SearchIndexer
	sandboxOn   atomic.Bool // false once a real account turned it off
	// HTTPTimeouts bound slow clients (web.DefaultTimeouts); tests may
	// shorten them between New and Run.
	HTTPTimeouts web.Timeouts
	listener     net.Listener
	guard        *netguard.Guard // every outbound request to a configurable URL
	handler      http.Handler
}

// Open connects to the database and applies (or checks) migrations. It is
// shared by serve and the admin subcommands.
func Open(ctx context.Context, cfg config.Config) (store.DB, *secret.Box, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return nil, nil, err
	}
	if cfg.AutoMigrate {
		if err := store.Migrate(ctx, db); err != nil {
			db.Close()
			return nil, nil, err
		}
	} else {
		st, err := store.Status(ctx, db)
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		if st.Pending() {
			db.Close()
			return nil, nil, fmt.Errorf("the database schema is at version %d and this zapflow needs %d: run 'zapflow migrate' (ZAPFLOW_AUTO_MIGRATE=false)", st.Current, st.Latest)
		}
	}
	key, _, err := secret.LoadOrCreateKey(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	box, err := secret.New(key)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, box, nil
}

// New wires an App and binds its listener (so the sandbox knows the real
// address, port 0 included, before anything starts).
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	db, box, err := Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, now: time.Now, DB: db, Metrics: metrics.New(), HTTPTimeouts: web.DefaultTimeouts(),
		Writes: store.NewGroup(db, store.GroupOptions{})}
	fail := func(err error) (*App, error) {
		if a.listener != nil {
			a.listener.Close()
		}
		a.Writes.Close()
		db.Close()
		return nil, err
	}
	// Listen first: the outbound guard allows exactly this address (the
	// sandbox's Graph API and AI model live here), and the sandbox needs
	// the real port, port 0 included.
	a.listener, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(fmt.Errorf("listen on %s: %w (set ZAPFLOW_ADDR to another address)", cfg.Addr, err))
	}
	a.guard = netguard.New(netguard.Options{Allow: cfg.OutboundAllow, Self: append([]netip.AddrPort{a.selfAddr()}, a.sharedSandboxAddrs()...), SelfPaths: sandboxPaths()})
	workers := river.NewWorkers()
	a.Queue, err = jobs.New(db, jobs.Config{
		Workers: workers,
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: 20},
			ai.QueueAssistant:  {MaxWorkers: 100},
			flow.QueueCalls:    {MaxWorkers: 50},
			campaign.QueueRuns: {MaxWorkers: campaign.RunWorkers},
		},
		Logger: log.With("component", "river"),
	})
	if err != nil {
		return fail(err)
	}
	a.Metrics.QueueDepthSource = func() (map[string]int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return a.Queue.Depth(ctx)
	}
	a.Metrics.PendingSource = func() (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return intake.Pending(ctx, db.Read())
	}

	a.Accounts = account.New(account.Options{DB: db, Box: box, Queue: a.Queue, HTTPClient: a.guard.Client(20 * time.Second),
		CheckURL: a.guard.CheckURL, GraphURL: cfg.GraphURL, GraphVersion: cfg.GraphVersion, Now: a.now, Logger: log})
	a.Queue.AddPeriodic(a.Accounts.Register(workers, cfg.SenderCheckInterval)...)
	a.Settings = settings.New(db, a.now, settings.DefaultTTL)
	if db.Dialect() == store.SQLite {
		a.Queue.AddPeriodic(a.backupScheduler().Register(workers)...)
	}
	a.Messaging = messaging.New(db, a.Accounts, a.Settings, a.now, log)
	a.Messaging.OnInbound(a.Messaging.OptOutHook())
	a.hookLeads()
	a.Contacts = contact.New(db, a.now)
	graphClient := a.guard.Client(30 * time.Second)
	a.Outbox = messaging.NewOutbox(messaging.OutboxOptions{
		DB: db, Accounts: a.Accounts, Limiter: ratelimit.New(ratelimit.Options{}),
		CloudFor: func(acc account.Account) messaging.CloudAPI {
			return whatsapp.NewClient(acc.GraphURL, acc.GraphVersion, graphClient)
		},
		Retry: messaging.RetryPolicy{Wait: cfg.SendRetryWait, Backoff: 2, MaxWait: 30 * time.Minute, Jitter: 0.1, MaxAttempts: cfg.SendMaxAttempts},
		Lease: cfg.SendLease, Now: a.now, Log: log, Metrics: a.Metrics, Writes: a.Writes,
	})
	a.Outbox.Attach(a.Messaging)
	if err := a.setupMedia(ctx, workers); err != nil {
		return fail(err)
	}
	a.setupAI(box, workers)
	a.setupFlows(workers)
	a.setupForward(box)
	a.Agents = agent.New(db, a.now)
	a.setupLive()
	a.setupCleanup(workers)
	a.setupMetrics()
	a.setupCampaigns(workers)

	a.Dispatcher = intake.NewDispatcher(db, a.Messaging.Process, a.Metrics, log.With("component", "intake"), a.now, 2*time.Second)
	a.Dispatcher.LockFirst(a.Messaging.LockStatusTargets)
	a.Dispatcher.ApplyBatchFirst(a.Messaging.ApplyStatusBatch)
	a.Writer = intake.NewWriter(db, a.Dispatcher.Wake, a.Metrics, log.With("component", "intake"))
	a.Writer.Refuse(messaging.Refused)
	if db.Dialect() == store.Postgres {
		// Statuses applied as stored skip a lane's read, mark and commit:
		// in alternating bench-flows runs 670-706 flows/s became 716-761.
		a.Writer.ApplyOnStore(messaging.BatchableStatus, a.Messaging.LockStatusTargets, a.Messaging.ApplyStatusBatch)
	} else {
		// SQLite's one writer applies every event as it stores it, once
		// it has applied what is pending (statuses alone, picked as on
		// PostgreSQL, only made the webhooks' commits longer: at a steady
		// 1,500 flows/s p99 went from 146 ms to 2.1 s).
		a.Writer.ApplyWhenCaughtUp(a.Dispatcher)
	}
	a.SearchIndex = store.NewSearchIndexer(db, log.With("component", "search"), time.Second)
	webhook := intake.NewHandler(a.Accounts, a.Writer, a.Metrics, log.With("component", "webhook"), a.now)
	webhook.BeforeStore(a.Outbox.WarmRecipients) // off the processing transaction

	if err := a.setupSandbox(ctx); err != nil {
		return fail(err)
	}
	if a.Sandbox != nil {
		a.AI.SetSandboxURL(a.loopbackURL() + "/sandbox/openai/v1")
	}
	if err := a.installExampleFlows(ctx); err != nil {
		return fail(err)
	}
	if a.Sandbox != nil && cfg.SandboxAssistant {
		if _, err := a.AI.InstallSandboxAssistant(ctx); err != nil {
			return fail(fmt.Errorf("install the sandbox assistant: %w", err))
		}
	}
	deps := web.Deps{
		Accounts: a.Accounts, Messaging: a.Messaging, Contacts: a.Contacts, Outbox: a.Outbox, Flows: a.Flows, AI: a.AI, Agents: a.Agents, Settings: a.Settings, Forward: a.Forward, Webhook: webhook, DB: db,
		Metrics: a.Metrics, Log: log, PublicURL: a.PublicURL(), Version: Version, Cleanup: a.Cleanup, Campaigns: a.Campaigns,
		Ready: healthCheck(db, a.now),
	}
	if a.Sandbox != nil {
		deps.Sandbox = a.sandboxHandler()
	}
	deps.Privacy = privacy.New(db, a.now)
	uiDeps := ui.Deps{Agents: a.Agents, Accounts: a.Accounts, Messaging: a.Messaging, Contacts: a.Contacts, Outbox: a.Outbox, AI: a.AI, Flows: a.Flows,
		Settings: a.Settings, Forward: a.Forward, DB: db, Live: a.Live, Broker: a.LiveBroker, Sandbox: a.Sandbox, Log: log,
		Secure: strings.HasPrefix(a.PublicURL(), "https://"), SandboxOn: a.SandboxOn, Now: a.now, PublicURL: a.PublicURL(), Cleanup: a.Cleanup, Privacy: deps.Privacy,
		Campaigns: a.Campaigns}
	a.setupAssign(&uiDeps)
	deps.Media, uiDeps.Media = a.Media, a.Media
	deps.TimeZone, uiDeps.TimeZone = a.cfg.TimeZone, a.cfg.TimeZone
	a.setupLeads(&deps, &uiDeps)
	deps.UI = ui.New(uiDeps)
	a.handler = web.NewHandler(deps)
	return a, nil
}

// PublicURL is where people and Meta reach this server.
func (a *App) PublicURL() string {
	if a.cfg.BaseURL != "" {
		return a.cfg.PublicURL()
	}
	return a.loopbackURL()
}

// loopbackURL reaches this process from itself, whatever interface it
// listens on.
func (a *App) loopbackURL() string { return "http://" + a.selfAddr().String() }

// selfAddr is the address this process reaches itself at: the listen
// address, or 127.0.0.1 on its port when it listens on every interface.
func (a *App) selfAddr() netip.AddrPort {
	ap := a.listener.Addr().(*net.TCPAddr).AddrPort()
	ip := ap.Addr().Unmap()
	if ip.IsUnspecified() {
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	return netip.AddrPortFrom(ip, ap.Port())
}

// Handler is the HTTP handler (tests serve it directly).
func (a *App) Handler() http.Handler { return a.handler }

// Run serves until ctx ends, then shuts down in the order that loses
// nothing: stop taking requests and let in-flight ones commit, flush the
// intake writer, finish the current processing transactions, let running
// jobs finish, close the database.
func (a *App) Run(ctx context.Context) error {
	srv := web.NewServer(a.handler, a.HTTPTimeouts)
	a.Writer.Start()
	a.Dispatcher.Start(context.WithoutCancel(ctx))
	if err := a.Queue.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	if a.cfg.SendDispatch {
		a.Outbox.Start(ctx)
	}
	a.Messaging.Start(context.WithoutCancel(ctx))
	a.Forward.Start(ctx)
	a.SearchIndex.Start(context.WithoutCancel(ctx))
	if a.Sandbox != nil {
		a.Sandbox.Start(context.WithoutCancel(ctx))
		go a.watchSandbox(ctx)
	}
	if err := a.LiveBroker.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start live events: %w", err)
	}
	stopDebug := a.serveDebug()
	defer stopDebug()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(a.listener) }()

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if a.Sandbox != nil {
		a.Sandbox.Close()
	}
	// Event streams never end by themselves: closing them lets Shutdown
	// finish (browsers reconnect to another instance with their last id).
	a.LiveBroker.Stop()
	if serr := srv.Shutdown(sctx); serr != nil {
		a.log.Warn("http shutdown", "err", serr)
	}
	a.Writer.Close()
	a.Dispatcher.Stop()
	a.Campaigns.Stop() // its runs would hold the job queue's stop for up to a minute
	a.Outbox.Stop(sctx)
	a.Messaging.Stop()
	a.Forward.Stop(sctx)
	a.SearchIndex.Stop()
	if qerr := a.Queue.Stop(sctx); qerr != nil {
		a.log.Warn("jobs shutdown", "err", qerr)
	}
	// Last before the database: requests, jobs and campaigns may send
	// until they stop.
	a.Writes.Close()
	if cerr := a.DB.Close(); cerr != nil {
		a.log.Warn("closing database", "err", cerr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases what New opened, for when Run is never called.
func (a *App) Close() error {
	a.Writes.Close()
	return errors.Join(a.listener.Close(), a.DB.Close())
}

// Bootstrap creates the first admin and an API key on a fresh install and
// prints them once.
func (a *App) Bootstrap(ctx context.Context, out io.Writer) error {
	n, err := a.Agents.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := a.cfg.AdminPassword
	generated := password == ""
	if generated {
		password = agent.GeneratePassword()
	}
	u, err := a.Agents.CreateUser(ctx, a.cfg.AdminEmail, "Admin", agent.RoleAdmin, password)
	if err != nil {
		return fmt.Errorf("create first admin: %w", err)
	}
	_, key, err := a.Agents.CreateAPIKey(ctx, "first admin key", u.ID)
	if err != nil {
		return fmt.Errorf("create first API key: %w", err)
	}
	fmt.Fprintf(out, "\nFirst start: created the first admin and an API key. They are shown only now.\n")
	fmt.Fprintf(out, "  open:         %s/login\n", a.PublicURL())
	fmt.Fprintf(out, "  admin login:  %s\n", u.Email)
	if generated {
		fmt.Fprintf(out, "  password:     %s\n", password)
	} else {
		fmt.Fprintf(out, "  password:     (from ZAPFLOW_ADMIN_PASSWORD)\n")
	}
	fmt.Fprintf(out, "  API key:      %s\n", key)
	fmt.Fprintf(out, "  try:          curl -H 'Authorization: Bearer %s' %s/api/v1/senders\n", key, a.PublicURL())
	fmt.Fprintf(out, "  secret key:   %s\n", SecretKeyLocation(a.cfg))
	fmt.Fprintf(out, "                it encrypts the stored access tokens and is never inside a backup: keep a copy apart from your backups\n\n")
	return nil
}
