package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/campaign"
)

// The schedule step: start now or at a time, an optional send window
// (e.g. 09:00–20:00) in a time zone, and when the campaign pauses itself
// (sender quality YELLOW or RED, sender offline, a share of recent sends
// failed). "Save changes" saves (Update); "Start campaign" saves and
// starts (campaign.Service.Start, POST /api/v1/campaigns/{id}/start),
// which is refused until a test send succeeded.

// defaultTimeZone is the schedule's time zone until one is chosen.
const defaultTimeZone = "America/Sao_Paulo"

// datetimeLocal is an <input type="datetime-local"> value.
const datetimeLocal = "2006-01-02T15:04"

// scheduleForm is the schedule step as typed.
type scheduleForm struct {
	When         string // now | at
	StartAt      string // datetime-local, in TimeZone
	TimeZone     string
	UseWindow    bool
	WindowStart  string
	WindowEnd    string
	PauseQuality string
	PauseOffline bool
	ErrorShare   string // percent
}

type scheduleData struct {
	F    campaignFrame
	Form scheduleForm
}

var scheduleFields = map[string]string{"window.start": "window_start", "window.end": "window_end", "window.time_zone": "time_zone",
	"pause.quality": "pause_quality", "pause.error_share": "error_share"}

func scheduleFormOf(c campaign.Campaign) scheduleForm {
	f := scheduleForm{When: "now", TimeZone: defaultTimeZone, WindowStart: "09:00", WindowEnd: "20:00",
		PauseQuality: c.Pause.Quality, PauseOffline: c.Pause.Offline, ErrorShare: strconv.FormatFloat(c.Pause.ErrorShare*100, 'f', -1, 64)}
	if w := c.Window; w != nil {
		f.UseWindow, f.WindowStart, f.WindowEnd, f.TimeZone = true, w.Start, w.End, w.TimeZone
	}
	if c.StartAt != nil {
		f.When = "at"
		loc, err := time.LoadLocation(f.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		f.StartAt = c.StartAt.In(loc).Format(datetimeLocal)
	}
	return f
}

// campaignSchedulePage shows the schedule step.
func (u *UI) campaignSchedulePage(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	render(w, r, http.StatusOK, campaignScheduleView(scheduleData{F: u.campaignFrame(r, c, "schedule"), Form: scheduleFormOf(c)}))
}

// readSchedule reads the posted step into in; what cannot be read is a
// field error in f.
func readSchedule(ctx context.Context, r *http.Request, f *campaignFrame, in *campaign.Input) scheduleForm {
	p := r.PostForm
	form := scheduleForm{When: p.Get("when"), StartAt: strings.TrimSpace(p.Get("start_at")), TimeZone: strings.TrimSpace(p.Get("time_zone")),
		UseWindow: p.Get("use_window") != "", WindowStart: p.Get("window_start"), WindowEnd: p.Get("window_end"),
		PauseQuality: p.Get("pause_quality"), PauseOffline: p.Get("pause_offline") != "", ErrorShare: strings.TrimSpace(p.Get("error_share"))}
	in.StartAt, in.Window = nil, nil
	if form.When == "at" {
		loc, err := time.LoadLocation(form.TimeZone)
		if err != nil || form.TimeZone == "" {
			f.Errors["time_zone"] = t(ctx, "campaigns.err.time_zone")
		} else if at, err := time.ParseInLocation(datetimeLocal, form.StartAt, loc); err != nil {
			f.Errors["start_at"] = t(ctx, "campaigns.err.start_at")
		} else {
			in.StartAt = &at
		}
	}
	if form.UseWindow {
		in.Window = &campaign.Window{Start: form.WindowStart, End: form.WindowEnd, TimeZone: form.TimeZone}
	}
	in.Pause = campaign.PauseRules{Quality: form.PauseQuality, Offline: form.PauseOffline}
	if form.ErrorShare != "" {
		pct, err := strconv.ParseFloat(form.ErrorShare, 64)
		if err != nil {
			f.Errors["error_share"] = t(ctx, "settings.err.number")
		} else {
			in.Pause.ErrorShare = pct / 100
		}
	}
	return form
}

// saveCampaignSchedule saves the step and, for "Start campaign", starts
// the campaign and opens its page.
func (u *UI) saveCampaignSchedule(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	f := u.campaignFrame(r, c, "schedule")
	in := campaignInput(c)
	form := readSchedule(ctx, r, &f, &in)
	if len(f.Errors) == 0 {
		_, err := u.Campaigns.Update(ctx, c.ID, in)
		if err == nil && r.PostForm.Get("action") == "start" {
			if _, err = u.Campaigns.Start(ctx, c.ID); err == nil {
				u.audit(r, campaign.AuditSection, campaign.AuditLine("started", c))
				http.Redirect(w, r, campaignPath(c.ID), http.StatusSeeOther)
				return
			}
		} else if err == nil {
			http.Redirect(w, r, campaignPath(c.ID)+"/schedule?saved=1", http.StatusSeeOther)
			return
		}
		if !campaignRefused(ctx, &f, err, scheduleFields) {
			u.fail(w, r, err)
			return
		}
	}
	render(w, r, http.StatusUnprocessableEntity, campaignScheduleView(scheduleData{F: f, Form: form}))
}
