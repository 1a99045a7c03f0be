package ui

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/dashboard"
	"github.com/zapflow/zapflow/internal/messaging"
)

// dashboardData is what the dashboard shows for a period.
type dashboardData struct {
	Chrome   chrome
	From, To string // as in the form
	Zone     string // the time zone whose days these are
	Problem  string
	D        dashboard.Dashboard
	Agents   []messaging.AgentStats
	Messages barChart // in and out per day
	Runs     barChart // flow runs and failures per day
	AI       barChart // AI calls and errors per day
}

// dashboardPage shows the period's traffic, delivery, failures, flow runs,
// AI calls and open conversations per agent, as charts with their
// numbers. Admins and users with PermViewStatus may see it.
func (u *UI) dashboardPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	p := u.period(r)
	d := dashboardData{Chrome: u.chrome(ctx), From: p.FromText, To: p.ToText, Zone: u.TimeZone.String()}
	if !p.OK {
		d.Problem = t(ctx, "stats.invalid")
		render(w, r, http.StatusUnprocessableEntity, dashboardView(d))
		return
	}
	var err error
	if d.D, err = dashboard.Compute(ctx, u.DB.Read(), p.From, p.To); err != nil {
		u.fail(w, r, err)
		return
	}
	if d.Agents, err = u.Messaging.AgentStats(ctx, p.From, p.To); err != nil {
		u.fail(w, r, err)
		return
	}
	labels := make([]string, len(d.D.Days))
	var in, out, runs, failed, calls, aiErr []int
	for i, day := range d.D.Days {
		labels[i] = day.Date.Format("02/01")
		in, out = append(in, day.In), append(out, day.Out)
		runs, failed = append(runs, day.Runs), append(failed, day.RunsFailed)
		calls, aiErr = append(calls, day.AICalls), append(aiErr, day.AIErrors)
	}
	d.Messages = newBarChart(t(ctx, "dash.messages"), labels,
		[]chartSeries{{Name: t(ctx, "dash.in"), Class: "s1"}, {Name: t(ctx, "dash.out"), Class: "s2"}}, [][]int{in, out})
	d.Runs = newBarChart(t(ctx, "dash.runs"), labels,
		[]chartSeries{{Name: t(ctx, "dash.runs.all"), Class: "s1"}, {Name: t(ctx, "dash.failed"), Class: "s3"}}, [][]int{runs, failed})
	d.AI = newBarChart(t(ctx, "dash.ai"), labels,
		[]chartSeries{{Name: t(ctx, "dash.ai.calls"), Class: "s1"}, {Name: t(ctx, "dash.ai.errors"), Class: "s3"}}, [][]int{calls, aiErr})
	render(w, r, http.StatusOK, dashboardView(d))
}

// percent renders a rate as a whole percentage.
func percent(rate float64) string {
	return strconv.Itoa(int(rate*100+0.5)) + "%"
}
