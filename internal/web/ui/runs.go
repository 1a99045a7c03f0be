package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/flow"
)

// The run history: a searchable list and a run's page with its step
// timeline. While a run moves (running or waiting) its page reloads the
// timeline fragment every few seconds (flows.js); once the run has ended
// the fragment says so and the polling stops. (Runs do not publish live
// events; the inbox's event stream carries conversation events only.)

// runsPageSize is how many runs a page of the list shows.
const runsPageSize = 50

type runsData struct {
	Chrome chrome
	Runs   []flow.Run
	Flows  []flow.Record
	Names  map[int64]string
	// The search form's values.
	FlowID           int64
	Status, Phone    string
	From, To         string
	Problem          string
	Older            string // the next page's address, "" on the last
	StatusesForMenus []string
}

// runsPage lists runs, newest first, by flow, status, contact phone and
// start date (from and to are days, to included).
func (u *UI) runsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	d := runsData{Chrome: u.chrome(ctx), Status: q.Get("status"), Phone: strings.TrimSpace(q.Get("phone")), From: q.Get("from"), To: q.Get("to"),
		StatusesForMenus: []string{flow.StatusRunning, flow.StatusWaiting, flow.StatusCompleted, flow.StatusFailed, flow.StatusCancelled}}
	d.FlowID, _ = strconv.ParseInt(q.Get("flow"), 10, 64)
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	s := flow.RunSearch{RunFilter: flow.RunFilter{FlowID: d.FlowID, Status: d.Status, Before: before, Limit: runsPageSize + 1}, Phone: d.Phone}
	var err error
	if s.From, err = day(d.From); err != nil {
		d.Problem = t(ctx, "runs.err.date")
	}
	if s.To, err = day(d.To); err != nil {
		d.Problem = t(ctx, "runs.err.date")
	} else if !s.To.IsZero() {
		s.To = s.To.Add(24 * time.Hour)
	}
	if d.Flows, err = u.Flows.List(ctx, true); err != nil {
		u.fail(w, r, err)
		return
	}
	d.Names = map[int64]string{}
	for _, f := range d.Flows {
		d.Names[f.ID] = f.Name
	}
	status := http.StatusOK
	if d.Problem == "" {
		d.Runs, err = u.Flows.SearchRuns(ctx, s)
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindInvalid {
			d.Problem, err = problemText(ae), nil
		}
		if err != nil {
			u.fail(w, r, err)
			return
		}
	}
	if d.Problem != "" {
		status = http.StatusUnprocessableEntity
	}
	if len(d.Runs) > runsPageSize {
		d.Runs = d.Runs[:runsPageSize]
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("before", strconv.FormatInt(d.Runs[len(d.Runs)-1].ID, 10))
		d.Older = "/runs?" + next.Encode()
	}
	render(w, r, status, runsView(d))
}

// day reads a yyyy-mm-dd day (UTC); "" is the zero time.
func day(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse("2006-01-02", s)
}

type runData struct {
	Chrome  chrome
	Run     flow.Run
	Flow    string
	Problem string
}

// active reports whether a run still moves.
func (d runData) active() bool { return !flow.Terminal(d.Run.Status) }

func (u *UI) loadRun(w http.ResponseWriter, r *http.Request) (runData, bool) {
	ctx := r.Context()
	run, err := u.Flows.GetRun(ctx, pathInt(r, "id"))
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		http.Error(w, t(ctx, "runs.err.not_found"), http.StatusNotFound)
		return runData{}, false
	}
	if err != nil {
		u.fail(w, r, err)
		return runData{}, false
	}
	d := runData{Chrome: u.chrome(ctx), Run: run}
	if rec, err := u.Flows.Get(ctx, run.FlowID); err == nil {
		d.Flow = rec.Name
	}
	return d, true
}

// runPage shows a run with its step timeline.
func (u *UI) runPage(w http.ResponseWriter, r *http.Request) {
	if d, ok := u.loadRun(w, r); ok {
		render(w, r, http.StatusOK, runView(d))
	}
}

// runFragment is the run's live part, fetched again while it moves.
func (u *UI) runFragment(w http.ResponseWriter, r *http.Request) {
	if d, ok := u.loadRun(w, r); ok {
		render(w, r, http.StatusOK, runLive(d))
	}
}

// cancelRun cancels a run in progress; one that has ended already says
// so on its page.
func (u *UI) cancelRun(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	_, err := u.Flows.Cancel(r.Context(), id)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindConflict {
		d, ok := u.loadRun(w, r)
		if ok {
			d.Problem = ae.Message
			render(w, r, http.StatusConflict, runView(d))
		}
		return
	}
	if err != nil {
		if _, ok := u.loadRun(w, r); ok {
			u.fail(w, r, err)
		}
		return
	}
	http.Redirect(w, r, runURL(id), http.StatusSeeOther)
}

// pretty shows data as indented JSON.
func pretty(v any) string {
	if v == nil {
		return ""
	}
	if m, ok := v.(map[string]any); ok && len(m) == 0 {
		return ""
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

// runPhone is the run's contact phone.
func runPhone(run flow.Run) string {
	p, _ := run.Contact["phone"].(string)
	return p
}

// stepFix is the translated fix of a step error's code.
func stepFix(ctx context.Context, code string) string {
	if s := t(ctx, "runs.fix."+code); s != "runs.fix."+code {
		return s
	}
	return fixFor(ctx, code)
}

// utc shows a time in UTC.
func utc(tm time.Time) string {
	if tm.IsZero() {
		return ""
	}
	return tm.UTC().Format("2006-01-02 15:04:05") + " UTC"
}
