package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/cleanup"
	"github.com/zapflow/zapflow/internal/settings"
)

// The chat history cleanup panel: its settings form, "Preview (dry run)"
// and "Run cleanup now" (both with the saved settings) and the last runs.
// A run posts to /settings/cleanup/run and comes back (POST-redirect-GET)
// to the panel with ?run=<id>, which shows what that run removed.

// runsShown is how many runs the panel lists.
const runsShown = 10

// cleanupForm is the panel's form as typed.
type cleanupForm struct {
	Enabled       bool
	RetentionDays string
	TimeOfDay     string
}

// cleanupData is what the panel shows besides the form.
type cleanupData struct {
	Form cleanupForm
	View cleanup.View // of the saved settings
	Runs []cleanup.Run
	// Result is the run the page follows (?run=), nil otherwise.
	Result *cleanup.Run
	// RunError says why "run now" could not start.
	RunError string
}

func (u *UI) cleanupSettingsPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.panelFrame(r, "cleanup")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d, err := u.cleanupData(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("run"), 10, 64); err == nil && id > 0 {
		if run, err := u.Cleanup.Run(r.Context(), id); err == nil {
			d.Result = &run
		}
	}
	render(w, r, http.StatusOK, cleanupSettingsView(f, d))
}

// cleanupData reads the saved settings into the form, and the runs.
func (u *UI) cleanupData(r *http.Request) (cleanupData, error) {
	v, err := u.Cleanup.Settings(r.Context())
	if err != nil {
		return cleanupData{}, err
	}
	runs, err := u.Cleanup.Runs(r.Context(), runsShown)
	if err != nil {
		return cleanupData{}, err
	}
	return cleanupData{Form: cleanupForm{Enabled: v.Enabled, RetentionDays: strconv.Itoa(v.RetentionDays), TimeOfDay: v.TimeOfDay},
		View: u.Cleanup.ViewOf(v), Runs: runs}, nil
}

// saveCleanupSettings saves through cleanup.Service.UpdateSettings (the
// call behind PUT /api/v1/settings/cleanup).
func (u *UI) saveCleanupSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := u.panelFrame(r, "cleanup")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d, err := u.cleanupData(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	before := d.View.Settings
	d.Form = cleanupForm{Enabled: panelChecked(r, "enabled"), RetentionDays: r.PostForm.Get("retention_days"),
		TimeOfDay: strings.TrimSpace(r.PostForm.Get("time_of_day"))}
	if days, ok := panelInt(ctx, &f, r, "retention_days"); ok {
		after, err := u.Cleanup.UpdateSettings(ctx, cleanup.Input{Enabled: &d.Form.Enabled, RetentionDays: &days, TimeOfDay: &d.Form.TimeOfDay})
		if err == nil {
			u.panelSaved(w, r, f, settings.Diff(before, after))
			return
		}
		if !panelRefused(ctx, &f, err) {
			u.fail(w, r, err)
			return
		}
	}
	render(w, r, http.StatusUnprocessableEntity, cleanupSettingsView(f, d))
}

// runCleanup runs a cleanup (or, with dry_run, counts) with the saved
// settings and shows the panel with its result. A run already in progress
// is said on the panel.
func (u *UI) runCleanup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := u.Cleanup.RunNow(ctx, userFrom(ctx).ID, r.PostForm.Get("dry_run") != "")
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/settings/cleanup?run=%d", run.ID), http.StatusSeeOther)
		return
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindConflict {
		u.fail(w, r, err)
		return
	}
	f, err := u.panelFrame(r, "cleanup")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d, err := u.cleanupData(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.RunError = t(ctx, "cleanup.running")
	render(w, r, http.StatusConflict, cleanupSettingsView(f, d))
}

// runTrigger is a run's trigger as shown.
func runTrigger(run cleanup.Run) string { return "cleanup.trigger." + run.Trigger }

// runDuration shows a run's duration in seconds.
func runDuration(run cleanup.Run) string {
	return strconv.FormatFloat(float64(run.DurationMS)/1000, 'f', 1, 64) + " s"
}

func count(n int64) string { return strconv.FormatInt(n, 10) }

// cleanupTime shows an instant on the business's clock (the zone cleanup
// schedules by), with the zone's name so nobody reads it as their own.
func cleanupTime(at time.Time, zone string) string {
	return at.In(cleanupZone(zone)).Format("2006-01-02 15:04") + " " + zone
}

// cleanupDay is the day of at on the business's clock.
func cleanupDay(at time.Time, zone string) string {
	return at.In(cleanupZone(zone)).Format("2006-01-02")
}

func cleanupZone(zone string) *time.Location {
	if loc, err := time.LoadLocation(zone); err == nil {
		return loc
	}
	return time.UTC
}
