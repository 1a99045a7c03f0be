package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/lead"
)

// leadReportData is what the leads report shows for a period.
type leadReportData struct {
	Chrome   chrome
	From, To string // as in the form
	Zone     string // the time zone whose days these are
	Problem  string
	Report   lead.Report
	BySource barChart
	ByStatus barChart
}

// leadReportPage shows the leads created in a period by source and by
// status, as tables and bar charts (GET /leads/report?from=&to=, whole
// UTC days, the last week by default).
func (u *UI) leadReportPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := u.period(r)
	d := leadReportData{Chrome: u.chrome(ctx), From: p.FromText, To: p.ToText, Zone: u.TimeZone.String()}
	if !p.OK {
		d.Problem = t(ctx, "stats.invalid")
		render(w, r, http.StatusUnprocessableEntity, leadReportView(d))
		return
	}
	var err error
	if d.Report, err = u.Leads.Report(ctx, p.From, p.To); err != nil {
		u.fail(w, r, err)
		return
	}
	var labels []string
	var counts []int
	for _, c := range d.Report.BySource {
		labels, counts = append(labels, leadSourceLabel(r, c)), append(counts, c.Count)
	}
	series := []chartSeries{{Name: t(ctx, "leads.report.count"), Class: "s1"}}
	d.BySource = newBarChart(t(ctx, "leads.report.by_source"), labels, series, [][]int{counts})
	labels, counts = nil, nil
	for _, c := range d.Report.ByStatus {
		labels, counts = append(labels, leadStatusLabel(ctx, c.Status)), append(counts, c.Count)
	}
	d.ByStatus = newBarChart(t(ctx, "leads.report.by_status"), labels, series, [][]int{counts})
	render(w, r, http.StatusOK, leadReportView(d))
}

// leadReportCSV downloads the report of the period as CSV
// (lead.Report.WriteCSV, the same rows as the API's).
func (u *UI) leadReportCSV(w http.ResponseWriter, r *http.Request) {
	p := u.period(r)
	if !p.OK {
		http.Error(w, t(r.Context(), "stats.invalid"), http.StatusUnprocessableEntity)
		return
	}
	rep, err := u.Leads.Report(r.Context(), p.From, p.To)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="leads-`+p.FromText+`-`+p.ToText+`.csv"`)
	if err := rep.WriteCSV(w); err != nil {
		u.Log.Warn("writing the leads report", "err", err)
	}
}

// leadSourceLabel names a report row's source ("No source" for leads
// without one).
func leadSourceLabel(r *http.Request, c lead.SourceCount) string {
	if c.SourceID == 0 {
		return t(r.Context(), "leads.no_source")
	}
	return c.Name
}
