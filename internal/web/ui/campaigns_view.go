package ui

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/campaign"
)

// A campaign's page: its live counts (queued, sent, delivered, read,
// failed by error code, replied, opted out after it), a chart over time,
// pause / resume / cancel, the auto-pause reason, and the recipients with
// their state and error a page at a time, with a CSV export.
//
// The counts live in a fragment (GET /campaigns/{id}/live) that
// campaigns.js fetches again every two seconds while the campaign moves:
// the campaign engine publishes no live events, and delivery states come
// from the messages' status webhooks, so polling the counts is both the
// simplest and the only complete source. An ended campaign's fragment
// stops the polling a few minutes after it finished (late receipts).

// recipientsShown is how many recipients a page of the table shows.
const recipientsShown = 50

// followFor is how long after a campaign ended its page still follows
// the counts (delivery and read receipts keep arriving).
const followFor = 10 * time.Minute

// campaignLiveData is the live part of a campaign's page.
type campaignLiveData struct {
	C        campaign.Campaign
	Progress campaign.Progress
	Chart    barChart
	Codes    []string // the error codes of FailedByCode, sorted
	Active   bool     // the page keeps polling
}

type campaignPageData struct {
	Chrome     chrome
	Live       campaignLiveData
	Senders    map[int64]account.Sender
	Recipients []campaign.Recipient
	State      string // the recipients filter
	After      int64  // this page starts after this recipient
	Next       int64  // the next page starts after this one (0: last page)
	Problem    string
}

// recipientStates are the recipient filters the page offers.
var recipientStates = []string{"queued", "sent", "delivered", "read", "failed", "skipped"}

func (u *UI) campaignLiveData(ctx context.Context, c campaign.Campaign) (campaignLiveData, error) {
	d := campaignLiveData{C: c}
	var err error
	if d.Progress, err = u.Campaigns.Progress(ctx, c.ID); err != nil {
		return d, err
	}
	for code := range d.Progress.FailedByCode {
		d.Codes = append(d.Codes, code)
	}
	slices.Sort(d.Codes)
	hours, err := u.Campaigns.Timeline(ctx, c.ID)
	if err != nil {
		return d, err
	}
	d.Chart = campaignChart(ctx, hours)
	switch c.Status {
	case campaign.StatusRunning, campaign.StatusScheduled, campaign.StatusPaused:
		d.Active = true
	case campaign.StatusCompleted, campaign.StatusCancelled:
		d.Active = !c.FinishedAt.IsZero() && u.Now().Sub(c.FinishedAt) < followFor
	}
	return d, nil
}

// chartHoursMax is the longest span the chart shows hour by hour; a
// longer campaign (a daily quota or a send window spreads it over days)
// is shown day by day.
const chartHoursMax = 72

// campaignChart lays a campaign's timeline out as bars over continuous
// time (an hour without sends is an empty group, so pauses and closed
// windows show), hourly or, over chartHoursMax, daily.
func campaignChart(ctx context.Context, hours []campaign.Hour) barChart {
	series := []chartSeries{{Name: t(ctx, "campaigns.count.sent"), Class: "s1"}, {Name: t(ctx, "campaigns.count.delivered"), Class: "s2"},
		{Name: t(ctx, "campaigns.count.read"), Class: "s4"}, {Name: t(ctx, "campaigns.count.failed"), Class: "s3"}}
	if len(hours) == 0 {
		return newBarChart(t(ctx, "campaigns.chart.hourly"), nil, series, nil)
	}
	step, layout, title := time.Hour, "15h", t(ctx, "campaigns.chart.hourly")
	first, last := hours[0].Hour.UTC(), hours[len(hours)-1].Hour.UTC()
	if last.Sub(first) > chartHoursMax*time.Hour {
		step, layout, title = 24*time.Hour, "01-02", t(ctx, "campaigns.chart.daily")
	}
	first = first.Truncate(step)
	n := int(last.Sub(first)/step) + 1
	labels := make([]string, n)
	values := [][]int{make([]int, n), make([]int, n), make([]int, n), make([]int, n)}
	for i := range labels {
		labels[i] = first.Add(time.Duration(i) * step).Format(layout)
	}
	for _, h := range hours {
		i := int(h.Hour.UTC().Sub(first) / step)
		values[0][i] += h.Sent
		values[1][i] += h.Delivered
		values[2][i] += h.Read
		values[3][i] += h.Failed
	}
	return newBarChart(title+" · "+first.Format("2006-01-02"), labels, series, values)
}

// campaignPage shows a campaign (a draft opens its wizard).
func (u *UI) campaignPage(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignParam(w, r)
	if !ok {
		return
	}
	if c.Status == campaign.StatusDraft {
		http.Redirect(w, r, campaignPath(c.ID)+"/setup", http.StatusSeeOther)
		return
	}
	u.renderCampaign(w, r, c, "", http.StatusOK)
}

func (u *UI) renderCampaign(w http.ResponseWriter, r *http.Request, c campaign.Campaign, problem string, status int) {
	ctx := r.Context()
	q := r.URL.Query()
	d := campaignPageData{Chrome: u.chrome(ctx), Problem: problem, State: q.Get("state")}
	if !slices.Contains(recipientStates, d.State) {
		d.State = ""
	}
	d.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	var err error
	if d.Live, err = u.campaignLiveData(ctx, c); err != nil {
		u.fail(w, r, err)
		return
	}
	if d.Senders, err = u.sendersByID(r); err != nil {
		u.fail(w, r, err)
		return
	}
	rs, err := u.Campaigns.Recipients(ctx, c.ID, d.State, d.After, recipientsShown+1)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if len(rs) > recipientsShown {
		rs = rs[:recipientsShown]
		d.Next = rs[len(rs)-1].ID
	}
	d.Recipients = rs
	render(w, r, status, campaignView(d))
}

// campaignLive serves the live fragment.
func (u *UI) campaignLive(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignParam(w, r)
	if !ok {
		return
	}
	d, err := u.campaignLiveData(r.Context(), c)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, campaignLiveView(d))
}

// campaignRecipientsCSV exports every recipient with its state and error.
func (u *UI) campaignRecipientsCSV(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignParam(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="campaign-`+strconv.FormatInt(c.ID, 10)+`-recipients.csv"`)
	if err := u.Campaigns.WriteRecipients(r.Context(), c.ID, w); err != nil {
		u.Log.Error("writing the campaign's recipients", "campaign", c.ID, "err", err)
	}
}

// recipientsHref is the recipients table's address for state after a
// recipient.
func recipientsHref(id int64, state string, after int64) string {
	s := campaignPath(id) + "?state=" + state
	if after > 0 {
		s += "&after=" + strconv.FormatInt(after, 10)
	}
	return s + "#recipients"
}

// canPause, canResume and canCancel say which buttons a status offers
// (the service decides; these only hide what it would refuse).
func canPause(status string) bool {
	return status == campaign.StatusRunning || status == campaign.StatusScheduled
}
func canResume(status string) bool { return status == campaign.StatusPaused }
func canCancel(status string) bool {
	return status == campaign.StatusRunning || status == campaign.StatusScheduled || status == campaign.StatusPaused
}
