package ui

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/lead"
)

// The audience step: contacts filtered by tags, lead status and source,
// last message date and opt-in, or an uploaded CSV file (a phone column
// and any others, usable in the mapping). The file goes through
// campaign.Service.UploadCSV (PUT /api/v1/campaigns/{id}/audience/csv),
// the filters through Update.

// audienceForm is the audience step as typed.
type audienceForm struct {
	Kind        string
	Tags        string // one per line
	LeadStatus  []string
	LeadSource  []string
	After       string // YYYY-MM-DD
	Before      string
	OptedInOnly bool
}

type audienceData struct {
	F        campaignFrame
	Form     audienceForm
	Sources  []lead.Source
	CSVRows  int
	CSVCols  []string
	Statuses []lead.Status
}

var audienceFields = map[string]string{"audience.kind": "kind", "file": "file"}

func audienceFormOf(a campaign.Audience) audienceForm {
	f := audienceForm{Kind: a.Kind, Tags: strings.Join(a.Tags, "\n"), LeadStatus: a.LeadStatus, LeadSource: a.LeadSource, OptedInOnly: a.OptedInOnly}
	if a.LastMessageAfter != nil {
		f.After = a.LastMessageAfter.UTC().Format(time.DateOnly)
	}
	if a.LastMessageBefore != nil {
		f.Before = a.LastMessageBefore.UTC().Format(time.DateOnly)
	}
	return f
}

func (u *UI) audienceData(ctx context.Context, f campaignFrame, form audienceForm) (audienceData, error) {
	d := audienceData{F: f, Form: form, Statuses: lead.Statuses}
	var err error
	if d.Sources, err = u.Leads.Sources(ctx); err != nil {
		return d, err
	}
	d.CSVRows, d.CSVCols, err = u.Campaigns.CSVInfo(ctx, f.C.ID)
	return d, err
}

// campaignAudiencePage shows the audience step.
func (u *UI) campaignAudiencePage(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	d, err := u.audienceData(r.Context(), u.campaignFrame(r, c, "audience"), audienceFormOf(c.Audience))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, campaignAudienceView(d))
}

// saveCampaignAudience saves the filters, or the uploaded CSV file, and
// goes on to the mapping.
func (u *UI) saveCampaignAudience(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCampaignUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil && err != http.ErrNotMultipart {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	form := audienceForm{Kind: r.PostForm.Get("kind"), Tags: r.PostForm.Get("tags"), LeadStatus: r.PostForm["lead_status"],
		LeadSource: r.PostForm["lead_source"], After: strings.TrimSpace(r.PostForm.Get("after")),
		Before: strings.TrimSpace(r.PostForm.Get("before")), OptedInOnly: r.PostForm.Get("opted_in") != ""}
	f := u.campaignFrame(r, c, "audience")
	in := campaignInput(c)
	in.Audience = campaign.Audience{Kind: form.Kind, Tags: panelLines(r, "tags"), LeadStatus: form.LeadStatus, LeadSource: form.LeadSource,
		OptedInOnly: form.OptedInOnly}
	for name, at := range map[string]**time.Time{"after": &in.Audience.LastMessageAfter, "before": &in.Audience.LastMessageBefore} {
		v := r.PostForm.Get(name)
		if strings.TrimSpace(v) == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
		if err != nil {
			f.Errors[name] = t(ctx, "campaigns.err.date")
			continue
		}
		*at = &d
	}
	if form.Kind == "csv" {
		file, _, err := r.FormFile("file")
		switch {
		case err == nil:
			_, err = u.Campaigns.UploadCSV(ctx, c.ID, file)
			file.Close()
			if err != nil && !campaignRefused(ctx, &f, err, audienceFields) {
				u.fail(w, r, err)
				return
			}
		case err == http.ErrMissingFile:
			if n, _, err := u.Campaigns.CSVInfo(ctx, c.ID); err != nil {
				u.fail(w, r, err)
				return
			} else if n == 0 {
				f.Errors["file"] = t(ctx, "campaigns.err.csv_missing")
			}
		default:
			f.Errors["file"] = t(ctx, "campaigns.err.csv_missing")
		}
	}
	if len(f.Errors) == 0 && f.Problem == "" {
		_, err := u.Campaigns.Update(ctx, c.ID, in)
		if err == nil {
			http.Redirect(w, r, campaignPath(c.ID)+"/mapping", http.StatusSeeOther)
			return
		}
		if !campaignRefused(ctx, &f, err, audienceFields) {
			u.fail(w, r, err)
			return
		}
	}
	d, err := u.audienceData(ctx, f, form)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusUnprocessableEntity, campaignAudienceView(d))
}

// chosen says whether v is among the ticked values.
func chosen(vals []string, v string) bool {
	return slices.ContainsFunc(vals, func(x string) bool { return strings.EqualFold(x, v) })
}
