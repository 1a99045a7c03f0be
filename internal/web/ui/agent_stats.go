package ui

import (
	"net/http"
	"time"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/messaging"
)

// agentStatsData is the per-agent table for a period of whole days
// [From, To] (the business's days).
type agentStatsData struct {
	Chrome   chrome
	From, To string // YYYY-MM-DD, as in the form
	Rows     []messaging.AgentStats
	Problem  string
}

const statsDayLayout = "2006-01-02"

// defaultStatsDays is the period the table shows first: the last week.
const defaultStatsDays = 7

// agentStatsPage shows, per agent, the open chats assigned now, the
// replies sent and the median first-response time in the chosen period.
// Admins and users with PermViewStatus may see it.
func (u *UI) agentStatsPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	*r = *r.WithContext(ctx)
	if !userFrom(ctx).Can(agent.PermViewStatus) {
		http.Error(w, t(ctx, "stats.forbidden"), http.StatusForbidden)
		return
	}
	p := u.period(r)
	d := agentStatsData{Chrome: u.chrome(ctx), From: p.FromText, To: p.ToText}
	if !p.OK {
		d.Problem = t(ctx, "stats.invalid")
		render(w, r, http.StatusUnprocessableEntity, agentStatsView(d))
		return
	}
	rows, err := u.Messaging.AgentStats(ctx, p.From, p.To)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Rows = rows
	render(w, r, http.StatusOK, agentStatsView(d))
}

// period is a range of whole days of the business's time zone chosen in a form: from and to as
// typed (YYYY-MM-DD, both included), and as times [From, To).
type period struct {
	FromText, ToText string
	From, To         time.Time
	OK               bool // both parse and to is not before from
}

// period reads ?from and ?to, defaulting to the last defaultStatsDays
// days up to today.
func (u *UI) period(r *http.Request) period {
	now := u.Now().In(u.TimeZone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, u.TimeZone)
	p := period{FromText: today.AddDate(0, 0, 1-defaultStatsDays).Format(statsDayLayout), ToText: today.Format(statsDayLayout)}
	if v := r.URL.Query().Get("from"); v != "" {
		p.FromText = v
	}
	if v := r.URL.Query().Get("to"); v != "" {
		p.ToText = v
	}
	from, err1 := time.ParseInLocation(statsDayLayout, p.FromText, u.TimeZone)
	to, err2 := time.ParseInLocation(statsDayLayout, p.ToText, u.TimeZone)
	p.OK = err1 == nil && err2 == nil && !to.Before(from) && to.Sub(from) <= maxPeriod+time.Hour /* a daylight saving change */
	p.From, p.To = from, to.AddDate(0, 0, 1)
	return p
}

// maxPeriod bounds a chosen period, so one page cannot ask for decades.
const maxPeriod = 366 * 24 * time.Hour

// firstResponseText renders a first-response time ("—" when none).
func firstResponseText(d time.Duration, answered int) string {
	if answered == 0 {
		return "—"
	}
	return d.Round(time.Second).String()
}
