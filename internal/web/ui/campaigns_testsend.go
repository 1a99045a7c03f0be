package ui

import (
	"net/http"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/campaign"
)

// The test step: the template goes to one chosen number with the
// variables the mapping gives it (campaign.Service.Test, POST
// /api/v1/campaigns/{id}/test). Start is refused until a test with the
// current senders, template and mapping succeeded; the page says where
// the last test stands and repeats the template's warnings (a marketing
// template without an opt-out).

type testData struct {
	F        campaignFrame
	To       string
	Last     campaign.LastTest
	Warnings []string
}

// campaignTestPage shows the test step, the number filled in with the
// first recipient's.
func (u *UI) campaignTestPage(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	d := testData{F: u.campaignFrame(r, c, "test")}
	first, err := u.Campaigns.Recipients(r.Context(), c.ID, "queued", 0, 1)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if len(first) == 1 {
		d.To = first[0].Phone
	}
	u.renderTest(w, r, d, http.StatusOK)
}

func (u *UI) renderTest(w http.ResponseWriter, r *http.Request, d testData, status int) {
	ctx := r.Context()
	var err error
	if d.Last, err = u.Campaigns.LastTestSend(ctx, d.F.C.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	p, _, err := u.Campaigns.Summary(ctx, d.F.C.ID)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindInvalid {
		if d.F.Problem == "" {
			d.F.Problem = campaignErrText(ctx, ae)
		}
	} else if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Warnings = p.Warnings
	render(w, r, status, campaignTestView(d))
}

// sendCampaignTest sends the test; a refused one shows why next to the
// number (or the mapping's problem) and keeps the number typed.
func (u *UI) sendCampaignTest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	to := strings.TrimSpace(r.PostForm.Get("to"))
	_, err := u.Campaigns.Test(ctx, c.ID, to)
	if err == nil {
		http.Redirect(w, r, campaignPath(c.ID)+"/test?saved=1", http.StatusSeeOther)
		return
	}
	d := testData{F: u.campaignFrame(r, c, "test"), To: to}
	if !campaignRefused(ctx, &d.F, err, map[string]string{"to": "to"}) {
		// The outbox refusing the send (sender offline, template paused…)
		// is the test's result, not our failure.
		ae, ok := apperr.As(err)
		if !ok {
			u.fail(w, r, err)
			return
		}
		d.F.Problem = campaignErrText(ctx, ae)
	}
	u.renderTest(w, r, d, http.StatusUnprocessableEntity)
}

// testOK says whether the last test lets the campaign start.
func testOK(l campaign.LastTest) bool {
	return l.MessageID > 0 && l.Current && l.Status != "failed"
}
