package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/lead"
)

// leadsPageSize is how many leads one page of the list shows.
const leadsPageSize = 50

// leadsFilter is the leads list's filter form as it is in the URL (so a
// filtered list can be bookmarked, shared and reloaded).
type leadsFilter struct {
	Status string
	Source string // a source id, or ""
	Agent  string // "", "none" (unassigned) or a user id
	Tag    string
	Q      string
	From   string // dates, 2006-01-02
	To     string
	Page   int // 1-based
}

// leadsData is what the leads page shows.
type leadsData struct {
	Chrome  chrome
	Filter  leadsFilter
	Problem string // a filter that cannot be read
	Page    lead.Page
	Sources []lead.Source
	Agents  []agent.User
}

// readLeadsFilter reads the filter of the URL and turns it into a
// lead.Filter; a value it cannot read is a problem shown above the list.
func readLeadsFilter(ctx context.Context, q url.Values) (leadsFilter, lead.Filter, string) {
	f := leadsFilter{Status: q.Get("status"), Source: q.Get("source"), Agent: q.Get("agent"),
		Tag: strings.TrimSpace(q.Get("tag")), Q: strings.TrimSpace(q.Get("q")), From: q.Get("from"), To: q.Get("to"), Page: 1}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 0 {
		f.Page = p
	}
	lf := lead.Filter{Tag: f.Tag, Search: f.Q, Limit: leadsPageSize, Offset: (f.Page - 1) * leadsPageSize}
	if f.Status != "" {
		if !lead.Status(f.Status).Valid() {
			return f, lf, t(ctx, "leads.err.filter")
		}
		lf.Status = lead.Status(f.Status)
	}
	if f.Source != "" {
		id, err := strconv.ParseInt(f.Source, 10, 64)
		if err != nil {
			return f, lf, t(ctx, "leads.err.filter")
		}
		lf.SourceID = id
	}
	switch f.Agent {
	case "":
	case "none":
		lf.Unassigned = true
	default:
		id, err := strconv.ParseInt(f.Agent, 10, 64)
		if err != nil {
			return f, lf, t(ctx, "leads.err.filter")
		}
		lf.AgentID = id
	}
	var err error
	if lf.From, err = leadDay(f.From, false); err != nil {
		return f, lf, t(ctx, "leads.err.date")
	}
	if lf.To, err = leadDay(f.To, true); err != nil {
		return f, lf, t(ctx, "leads.err.date")
	}
	if !lf.From.IsZero() && !lf.To.IsZero() && !lf.To.After(lf.From) {
		return f, lf, t(ctx, "leads.err.date")
	}
	return f, lf, ""
}

// leadDay reads a date of the filter as a whole UTC day: its start, or
// with end the start of the next day ("to" includes the day).
func leadDay(v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err == nil && end {
		d = d.AddDate(0, 0, 1)
	}
	return d, err
}

// query renders the filter as a URL query, on page p.
func (f leadsFilter) query(p int) string {
	q := url.Values{}
	for k, v := range map[string]string{"status": f.Status, "source": f.Source, "agent": f.Agent, "tag": f.Tag, "q": f.Q,
		"from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if p > 1 {
		q.Set("page", strconv.Itoa(p))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// pages is the number of pages of the filtered list.
func (d leadsData) pages() int {
	return max(1, (d.Page.Total+leadsPageSize-1)/leadsPageSize)
}

// leads reads one page of the list (a count, a page and its tags: three
// queries whatever the page size) and the choices of the filter form.
func (u *UI) leads(r *http.Request) (leadsData, int, error) {
	ctx := r.Context()
	d := leadsData{Chrome: u.chrome(ctx)}
	var f lead.Filter
	d.Filter, f, d.Problem = readLeadsFilter(ctx, r.URL.Query())
	status := http.StatusOK
	var err error
	if d.Problem != "" {
		status = http.StatusUnprocessableEntity
	} else if f.VisibleTo, err = u.restrictedTo(ctx); err != nil {
		return d, 0, err
	} else if d.Page, err = u.Leads.List(ctx, f); err != nil {
		return d, 0, err
	}
	if d.Sources, err = u.Leads.Sources(ctx); err != nil {
		return d, 0, err
	}
	if d.Agents, err = u.Agents.ListUsers(ctx); err != nil {
		return d, 0, err
	}
	return d, status, nil
}

// leadsPage is the leads list with its filters (GET /leads).
func (u *UI) leadsPage(w http.ResponseWriter, r *http.Request) {
	d, status, err := u.leads(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, status, leadsView(d))
}

// leadsListFragment is the list alone (GET /leads/list?<filter>):
// leads.js swaps it in when a lead event comes.
func (u *UI) leadsListFragment(w http.ResponseWriter, r *http.Request) {
	d, status, err := u.leads(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, status, leadsTable(d))
}

// leadAgentLabel names a lead's agent ("Unassigned" when none).
func leadAgentLabel(ctx context.Context, l lead.Lead) string {
	if l.AgentID == 0 {
		return t(ctx, "leads.unassigned")
	}
	return l.AgentName
}

// leadDate renders a time as the pages show it (UTC, to the minute).
func leadDate(at time.Time) string {
	return at.UTC().Format("2006-01-02 15:04")
}

// leadDateAttr is a time's datetime attribute.
func leadDateAttr(at time.Time) string {
	return at.UTC().Format(time.RFC3339)
}
