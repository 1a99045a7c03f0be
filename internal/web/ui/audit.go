package ui

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/settings"
)

// audit records who changed what from the web app, in the log the audit
// page and the settings panels show. The change is made: a failure to
// log it is logged, not shown.
func (u *UI) audit(r *http.Request, section, summary string) {
	if summary == "" || u.Settings == nil {
		return
	}
	if err := u.Settings.RecordChange(r.Context(), section, userFrom(r.Context()).ID, summary); err != nil {
		u.Log.Error("recording a change in the audit log", "section", section, "err", err)
	}
}

// auditPageSize is how many lines the audit page shows at a time.
const auditPageSize = 50

// auditData is what the audit log page shows.
type auditData struct {
	Chrome   chrome
	Entries  []settings.AuditEntry
	Sections []string
	Users    []agent.User
	Section  string // the filter
	UserID   int64  // the filter
	Older    string // the next page's address, "" at the end
}

// auditPage lists who changed which setting, flow, user or API key, and
// when, newest first; admins only.
func (u *UI) auditPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	q := r.URL.Query()
	f := settings.AuditFilter{Section: q.Get("section"), Limit: auditPageSize}
	f.UserID, _ = strconv.ParseInt(q.Get("user"), 10, 64)
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	entries, err := u.Settings.Log(ctx, f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	sections, err := u.Settings.AuditSections(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	users, err := u.Agents.ListUsers(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := auditData{Chrome: u.chrome(ctx), Entries: entries, Sections: sections, Users: users, Section: f.Section, UserID: f.UserID}
	if len(entries) == auditPageSize {
		next := q
		next.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		d.Older = "/audit?" + next.Encode()
	}
	render(w, r, http.StatusOK, auditView(d))
}
