// Package web is zapflow's HTTP surface: the REST API under /api/v1, the
// Cloud API webhook, the sandbox, /metrics, health and the OpenAPI
// document. Every route is declared once, in routes.go.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/cleanup"
	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/intake"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/privacy"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/web/ui"
)

// Deps are the services the HTTP surface serves.
type Deps struct {
	Accounts  *account.Service
	Messaging *messaging.Service
	Contacts  *contact.Service
	Outbox    *messaging.Outbox
	Media     *messaging.MediaFetcher // stored inbound media
	Flows     *flow.Service
	Leads     *lead.Service
	AI        *ai.Service
	Privacy   *privacy.Service // contacts' data export and erasure
	DB        store.DB
	Agents    *agent.Service
	Settings  *settings.Store // the audit log of settings changes
	Cleanup   *cleanup.Service
	Campaigns *campaign.Service
	Forward   *forward.Service
	Webhook   *intake.Handler
	Sandbox   http.Handler // nil when the sandbox is off
	UI        *ui.UI       // the web app
	Metrics   *metrics.Metrics
	Log       *slog.Logger
	PublicURL string
	Version   string
	// TimeZone is the business's (ZAPFLOW_TIME_ZONE): the dashboard's days
	// are its days. Nil means UTC.
	TimeZone *time.Location
	// Ready reports whether the server can take traffic (the database
	// reads and writes); its error's text is shown on /healthz.
	Ready func(ctx context.Context) error
}

type server struct {
	Deps
}

// handlerFunc is an API handler: it returns an error instead of writing
// one, and the adapter renders it in the one error shape.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// NewHandler builds the whole HTTP handler.
func NewHandler(d Deps) http.Handler {
	if d.TimeZone == nil {
		d.TimeZone = time.UTC
	}
	s := &server{Deps: d}
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		h := s.adapt(rt)
		mux.Handle(rt.Method+" "+rt.Pattern, h)
	}
	mux.HandleFunc("GET /webhooks/whatsapp/{account}", d.Webhook.Verify)
	mux.HandleFunc("POST /webhooks/whatsapp/{account}", d.Webhook.Receive)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Metrics.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", s.health)
	mux.HandleFunc("GET /api/openapi.json", serveOpenAPI)
	mux.HandleFunc("GET /{$}", s.home)
	if d.Sandbox != nil {
		mux.Handle("/sandbox/", d.Sandbox)
	}
	if d.UI != nil {
		d.UI.Register(mux)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.Fail(w, http.StatusNotFound, "no_such_endpoint", "no API endpoint "+r.Method+" "+r.URL.Path+"; see /api/openapi.json")
	})
	return s.recoverer(mux)
}

// adapt wraps a route with authentication, the role check and error
// rendering. The authenticated caller rides in the request context
// (agent.PrincipalFrom).
func (s *server) adapt(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.Auth != authNone {
			p, err := s.authenticate(r)
			if err != nil {
				httpx.Error(w, r, s.Log, err)
				return
			}
			if err := authorize(p, rt.Auth); err != nil {
				httpx.Error(w, r, s.Log, err)
				return
			}
			r = r.WithContext(agent.WithPrincipal(r.Context(), p))
		}
		if err := rt.Handler(w, r); err != nil {
			httpx.Error(w, r, s.Log, err)
		}
	})
}

// recoverer turns a panic into a logged 500 with the usual error shape.
func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				httpx.Fail(w, http.StatusInternalServerError, "internal_error", "something went wrong on our side; it was logged")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// health answers 200 when the database both reads and takes a durable
// write, so a load balancer stops sending traffic to an instance whose
// database went read-only or full, not only to one that lost it.
// healthTimeout bounds the health check's read and write. It is generous:
// a busy writer is not a sick one, and a load balancer's probe has its
// own, shorter timeout when it wants one.
const healthTimeout = 10 * time.Second

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			s.Log.Warn("health check failed", "err", err)
			// The endpoint has no login: say what failed, not the driver's
			// words (which can name the database's host and user).
			what, _, _ := strings.Cut(err.Error(), ": ")
			httpx.Fail(w, http.StatusServiceUnavailable, "unhealthy", what+" (the server log has the details)")
			return
		}
	}
	httpx.JSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
}

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}
