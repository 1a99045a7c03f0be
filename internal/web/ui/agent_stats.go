package ui

import (
	"net/http"
	"time"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/messaging"
)

// agentStatsData is the per-agent table for a period of whole days
// [From, To] (UTC).
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
	today := u.Now().UTC().Truncate(24 * time.Hour)
	d := agentStatsData{Chrome: u.chrome(ctx), From: today.AddDate(0, 0, 1-defaultStatsDays).Format(statsDayLayout), To: today.Format(statsDayLayout)}
	if v := r.URL.Query().Get("from"); v != "" {
		d.From = v
	}
	if v := r.URL.Query().Get("to"); v != "" {
		d.To = v
	}
	from, err1 := time.Parse(statsDayLayout, d.From)
	to, err2 := time.Parse(statsDayLayout, d.To)
	if err1 != nil || err2 != nil || to.Before(from) {
		d.Problem = t(ctx, "stats.invalid")
		render(w, r, http.StatusUnprocessableEntity, agentStatsView(d))
		return
	}
	rows, err := u.Messaging.AgentStats(ctx, from, to.AddDate(0, 0, 1))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Rows = rows
	render(w, r, http.StatusOK, agentStatsView(d))
}

// firstResponseText renders a first-response time ("—" when none).
func firstResponseText(d time.Duration, answered int) string {
	if answered == 0 {
		return "—"
	}
	return d.Round(time.Second).String()
}
