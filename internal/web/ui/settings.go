package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/cleanup"
	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/settings"
)

// The settings shell: every panel is a page (/settings/<slug>) with one
// form and "Save changes". A save validates through the same service
// call the REST API uses (so both refuse the same input with the same
// field), applies at once (the settings cache drops its entry on write),
// records an audit line and redirects back (POST-redirect-GET) to show
// "Saved". A refused save renders the form again with the user's input
// and the error next to its field, and saves nothing.

// settingsPanel is one entry of the settings index.
type settingsPanel struct {
	Slug string
	// Section is the settings_audit section of the panel (the settings
	// row it writes, where there is one).
	Section string
}

// settingsPanels lists the panels in the order the index shows them.
var settingsPanels = []settingsPanel{
	{Slug: "ai", Section: ai.KeyAI},
	{Slug: "assistant", Section: ai.KeyAssistant},
	{Slug: "stop-bot", Section: ai.KeyStopBot},
	{Slug: "opt-out", Section: "opt_out"},
	{Slug: "sound", Section: agent.KeyNotifications},
	{Slug: "support-agents", Section: agent.KeySupportAgents},
	{Slug: "leads", Section: lead.KeyAutoLead},
	{Slug: "prompts", Section: "ai_prompts"},
	{Slug: "cleanup", Section: cleanup.Key},
	{Slug: "forwarding", Section: forward.Key},
	{Slug: "campaigns", Section: campaign.SettingsKey},
}

// auditShown is how many audit lines a panel shows.
const auditShown = 5

// settingsFrame is what every panel page shows around its form.
type settingsFrame struct {
	Chrome chrome
	Panel  settingsPanel
	// Saved: the page follows a successful save.
	Saved bool
	// Errors maps a form field to what is wrong with it.
	Errors map[string]string
	Audit  []settings.AuditEntry
}

// settingsRoute serves a settings page or action: a session with the
// manage-settings permission (anyone else gets 403 on GET and POST
// alike), in the user's language, with a posted form parsed and bounded.
func (u *UI) settingsRoute(fn func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return u.signedIn(func(w http.ResponseWriter, r *http.Request) {
		ctx := withLocale(r.Context(), locale(r))
		r = r.WithContext(ctx)
		if !userFrom(ctx).Can(agent.PermManageSettings) {
			http.Error(w, t(ctx, "settings.forbidden"), http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
		}
		fn(w, r)
	})
}

// panelBySlug finds a panel of settingsPanels.
func panelBySlug(slug string) settingsPanel {
	for _, p := range settingsPanels {
		if p.Slug == slug {
			return p
		}
	}
	panic("ui: unknown settings panel " + slug)
}

// panelFrame builds a panel page's frame: its latest audit lines and, after
// a save's redirect, the "Saved" note.
func (u *UI) panelFrame(r *http.Request, slug string) (settingsFrame, error) {
	p := panelBySlug(slug)
	f := settingsFrame{Chrome: u.chrome(r.Context()), Panel: p, Errors: map[string]string{},
		Saved: r.Method == http.MethodGet && r.URL.Query().Get("saved") == "1"}
	var err error
	f.Audit, err = u.Settings.Changes(r.Context(), p.Section, auditShown)
	return f, err
}

// panelSaved records what changed (nothing when the save changed nothing) and
// sends the browser back to the panel to show "Saved".
func (u *UI) panelSaved(w http.ResponseWriter, r *http.Request, f settingsFrame, summary string) {
	if summary != "" {
		if err := u.Settings.RecordChange(r.Context(), f.Panel.Section, userFrom(r.Context()).ID, summary); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/settings/"+f.Panel.Slug+"?saved=1", http.StatusSeeOther)
}

// panelRefused shows err next to its field when it is a validation error (and
// reports true); any other error is the caller's to handle.
func panelRefused(ctx context.Context, f *settingsFrame, err error) bool {
	ae, ok := apperr.As(err)
	if !ok || ae.Field == "" || (ae.Kind != apperr.KindInvalid && ae.Kind != apperr.KindConflict) {
		return false
	}
	field := ae.Field
	if i := strings.IndexByte(field, '['); i > 0 {
		field = field[:i] // keywords[3] is the keywords field
	}
	f.Errors[field] = panelText(ctx, "settings.err."+ae.Code+"."+field, ae.Message)
	return true
}

// panelText translates key, or returns fallback (the service's own English
// message) when the catalogue has no text for it.
func panelText(ctx context.Context, key, fallback string) string {
	if s := t(ctx, key); s != key {
		return s
	}
	return fallback
}

// panelLines reads a one-entry-per-line field (the tags widget without
// JS, and what its script keeps in sync), dropping blank lines.
func panelLines(r *http.Request, name string) []string {
	out := []string{}
	for _, l := range strings.Split(r.PostForm.Get(name), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// panelInt reads a whole-number field; a blank or non-number value is a
// field error (required says which text to show for blank).
func panelInt(ctx context.Context, f *settingsFrame, r *http.Request, name string) (int, bool) {
	v := strings.TrimSpace(r.PostForm.Get(name))
	if v == "" {
		f.Errors[name] = t(ctx, "settings.err.required")
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.Errors[name] = t(ctx, "settings.err.number")
		return 0, false
	}
	return n, true
}

// panelChecked reads a checkbox (absent from the form when unticked).
func panelChecked(r *http.Request, name string) bool {
	return r.PostForm.Get(name) != ""
}

// panelInvalid is the aria-invalid value of a field.
func panelInvalid(f settingsFrame, name string) string {
	if f.Errors[name] != "" {
		return "true"
	}
	return "false"
}

// settingsIndex lists the panels.
func (u *UI) settingsIndex(w http.ResponseWriter, r *http.Request) {
	render(w, r, http.StatusOK, settingsIndexView(u.chrome(r.Context())))
}
