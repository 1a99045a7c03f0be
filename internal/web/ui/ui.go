// Package ui is the web app people work in: login, the team inbox and its
// reply box. Pages are rendered on the server with templ (one small file
// per page or action, its template beside it, like miniflux); small
// vanilla JS modules under static/ add live updates. Every form works
// without JS.
//
// Every page and action checks the session's user; every state-changing
// request is refused unless it comes from this site (Go's
// CrossOriginProtection: Fetch metadata and Origin checks), so no other
// site can make a logged-in browser act.
package ui

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/cleanup"
	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/privacy"
	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

//go:embed static
var staticFiles embed.FS

// Deps are the services the web app uses.
type Deps struct {
	Agents    *agent.Service
	Accounts  *account.Service
	Messaging *messaging.Service
	Contacts  *contact.Service
	Outbox    *messaging.Outbox
	Media     *messaging.MediaFetcher // stored inbound media; nil: fetched on demand only
	AI        *ai.Service
	Flows     *flow.Service
	Settings  *settings.Store
	Forward   *forward.Service
	DB        store.DB
	Live      *live.Hub
	Leads     *lead.Service
	// Broker hands committed live events to the event streams.
	Broker *live.Broker
	// CanSee says whether user may see a conversation (restricted chats);
	// event streams, fragments, reply-box actions and media downloads give
	// nothing of one it refuses. Nil: everyone sees all.
	CanSee func(ctx context.Context, user agent.User, conversationID int64) (bool, error)
	// Sandbox is the built-in simulated Cloud API, nil when it never ran
	// in this process; SandboxOn says whether it runs now.
	Sandbox *sandbox.Sandbox
	Log     *slog.Logger
	// Secure marks cookies Secure (the public URL is https).
	Secure bool
	// SandboxOn reports whether the built-in sandbox is running, so the
	// inbox can say how to make the first customer write in.
	SandboxOn func() bool
	Now       func() time.Time
	// Privacy exports and erases a contact's data (admins, contact page).
	Privacy *privacy.Service
	// PublicURL is where Meta reaches this server (the webhook URL the
	// account pages show).
	PublicURL string
	Cleanup   *cleanup.Service // the chat history cleanup panel
	// TimeZone is the business's (ZAPFLOW_TIME_ZONE): the dashboard's and
	// the agent table's days are its days. Nil means UTC.
	TimeZone *time.Location
	// Campaigns runs the campaign pages (nil: they are not registered).
	Campaigns *campaign.Service
}

// UI serves the web app.
type UI struct {
	Deps
	cop *http.CrossOriginProtection
}

// New builds the web app.
func New(d Deps) *UI {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.TimeZone == nil {
		d.TimeZone = time.UTC
	}
	if d.CanSee == nil {
		d.CanSee = func(context.Context, agent.User, int64) (bool, error) { return true, nil }
	}
	if d.SandboxOn == nil {
		d.SandboxOn = func() bool { return false }
	}
	return &UI{Deps: d, cop: http.NewCrossOriginProtection()}
}

// Register adds the web app's routes to mux.
func (u *UI) Register(mux *http.ServeMux) {
	mux.Handle("GET /static/", http.FileServerFS(staticFiles))
	mux.Handle("GET /login", u.page(u.loginPage))
	mux.Handle("POST /login", u.guard(http.HandlerFunc(u.login)))
	mux.Handle("POST /logout", u.guard(u.signedIn(u.logout)))
	mux.Handle("GET /inbox", u.signedIn(u.inboxPage))
	mux.Handle("GET /inbox/{id}", u.signedIn(u.inboxPage))
	mux.Handle("POST /inbox/{id}/reply", u.guard(u.signedIn(u.reply)))
	// Each part of the app registers its own pages (one file each).
	u.registerLive(mux)
	u.registerUsers(mux)
	u.registerAssign(mux)
	u.registerSettings(mux)
	u.registerCompose(mux)
	u.registerSandbox(mux)
	u.registerNotify(mux)
	u.registerAudit(mux)
	u.registerDashboard(mux)
	u.registerWAAccounts(mux)
	u.registerContacts(mux)
	u.registerPrivacy(mux)
	u.registerFlows(mux)
	u.registerLeads(mux)
	if u.Campaigns != nil {
		u.registerCampaigns(mux)
	}
}

// chrome is the frame's view of the signed-in user of ctx.
func (u *UI) chrome(ctx context.Context) chrome {
	user := userFrom(ctx)
	// First, before the page reads what it shows (live.Position); when it
	// cannot be read, the stream starts where the browser connects.
	after, err := live.Position(ctx, u.DB)
	if err != nil {
		u.Log.Warn("reading the live event position", "err", err)
		after = -1
	}
	// The admin's default applies unless the user chose; when the
	// settings cannot be read, only a user who chose sound hears it.
	n, err := agent.Notifications(ctx, u.Settings, u.DB.Read())
	if err != nil {
		u.Log.Warn("reading the notification settings", "err", err)
	}
	unread, err := notify.Unread(ctx, u.DB.Read(), user.ID)
	if err != nil {
		u.Log.Warn("counting unread notifications", "err", err)
	}
	return chrome{User: user, Sandbox: u.SandboxOn(), Sound: user.SoundOn(n), Unread: unread, LiveAfter: after}
}

// guard refuses cross-origin state-changing requests.
func (u *UI) guard(h http.Handler) http.Handler {
	return u.cop.Handler(h)
}

// page serves a page that needs no session.
func (u *UI) page(h func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPageHeaders(w)
		h(w, r)
	})
}

// setPageHeaders are sent with every page: no framing by other sites, no
// content sniffing, no referrer leaking conversation ids.
func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
}
