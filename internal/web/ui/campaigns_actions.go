package ui

import (
	"context"
	"net/http"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/campaign"
)

// Pause, resume and cancel by hand (the calls behind POST
// /api/v1/campaigns/{id}/pause, resume and cancel): the runner sees the
// change at its next round, within a second. Deleting a draft throws
// the wizard's work away.

type campaignAct func(ctx context.Context, s *campaign.Service, id int64) (campaign.Campaign, error)

func pauseCampaignBy(ctx context.Context, s *campaign.Service, id int64) (campaign.Campaign, error) {
	return s.Pause(ctx, id, "")
}

func resumeCampaignBy(ctx context.Context, s *campaign.Service, id int64) (campaign.Campaign, error) {
	return s.Resume(ctx, id)
}

func cancelCampaignBy(ctx context.Context, s *campaign.Service, id int64) (campaign.Campaign, error) {
	return s.Cancel(ctx, id)
}

// campaignAction runs act, records it in the audit log as verb, and goes
// back to the campaign's page; a refused one (the campaign moved on
// meanwhile) shows why there.
func (u *UI) campaignAction(verb string, act campaignAct) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c, ok := u.campaignParam(w, r)
		if !ok {
			return
		}
		_, err := act(ctx, u.Campaigns, c.ID)
		if err == nil {
			u.audit(r, campaign.AuditSection, campaign.AuditLine(verb, c))
			http.Redirect(w, r, campaignPath(c.ID), http.StatusSeeOther)
			return
		}
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.KindConflict {
			u.fail(w, r, err)
			return
		}
		if c, err = u.Campaigns.Get(ctx, c.ID); err != nil {
			u.fail(w, r, err)
			return
		}
		u.renderCampaign(w, r, c, campaignErrText(ctx, ae), http.StatusConflict)
	}
}

// deleteCampaignDraft deletes a draft (campaign.Service.Delete) and goes
// back to the list.
func (u *UI) deleteCampaignDraft(w http.ResponseWriter, r *http.Request) {
	c, ok := u.campaignDraft(w, r)
	if !ok {
		return
	}
	if err := u.Campaigns.Delete(r.Context(), c.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	u.audit(r, campaign.AuditSection, campaign.AuditLine("deleted draft", c))
	http.Redirect(w, r, "/campaigns", http.StatusSeeOther)
}
