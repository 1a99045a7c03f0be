package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/campaign"
)

// The review step: the audience's counts before start (total, will send,
// skipped by reason, the skipped list to download) and the template's
// warnings, as campaign.Service.Preview computed them when the mapping
// was saved. "Count again" runs Preview anew (contacts change).

// skipReasons are the skip reasons in the order the review lists them.
var skipReasons = []string{campaign.SkipOptedOut, campaign.SkipInvalidNumber, campaign.SkipDuplicate, campaign.SkipNotOnWhatsApp, campaign.SkipMissingVariable}

type reviewData struct {
	F        campaignFrame
	Preview  campaign.Preview
	Expanded bool
}

// campaignReviewPage shows the counts of the last expansion.
func (u *UI) campaignReviewPage(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	u.renderReview(w, r, u.campaignFrame(r, c, "review"), http.StatusOK)
}

func (u *UI) renderReview(w http.ResponseWriter, r *http.Request, f campaignFrame, status int) {
	ctx := r.Context()
	d := reviewData{F: f}
	var err error
	d.Preview, d.Expanded, err = u.Campaigns.Summary(ctx, f.C.ID)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindInvalid {
		d.F.Problem, err = campaignErrText(ctx, ae), nil
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, status, campaignReviewView(d))
}

// countCampaignAudience expands the audience again (Preview) and shows
// the new counts.
func (u *UI) countCampaignAudience(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	if _, err := u.Campaigns.Preview(ctx, c.ID); err != nil {
		f := u.campaignFrame(r, c, "review")
		if !campaignRefused(ctx, &f, err, nil) {
			u.fail(w, r, err)
			return
		}
		u.renderReview(w, r, f, http.StatusUnprocessableEntity)
		return
	}
	http.Redirect(w, r, campaignPath(c.ID)+"/review", http.StatusSeeOther)
}

// campaignSkippedCSV downloads the skipped recipients (phone, reason,
// detail).
func (u *UI) campaignSkippedCSV(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignParam(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="campaign-`+strconv.FormatInt(c.ID, 10)+`-skipped.csv"`)
	if err := u.Campaigns.WriteSkipped(r.Context(), c.ID, w); err != nil {
		u.Log.Error("writing the skipped recipients", "campaign", c.ID, "err", err)
	}
}

// warningText shows a preview warning: "code: English text" becomes the
// catalogue's text for the code when it has one.
func warningText(ctx context.Context, w string) string {
	code, msg, _ := strings.Cut(w, ": ")
	return panelText(ctx, "campaigns.warn."+code, msg)
}
