package ui

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/settings"
)

// The campaigns panel: the part of each sender's rate campaigns may use
// together, in percent (saved as a share through
// campaign.Service.UpdateSettings, the call behind PUT
// /api/v1/settings/campaigns).

func (u *UI) campaignSettingsPage(w http.ResponseWriter, r *http.Request) {
	if u.Campaigns == nil {
		http.NotFound(w, r)
		return
	}
	f, err := u.panelFrame(r, "campaigns")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v, err := u.Campaigns.Settings(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, campaignSettingsView(f, strconv.FormatFloat(v.SendShare*100, 'f', -1, 64)))
}

func (u *UI) saveCampaignSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if u.Campaigns == nil {
		http.NotFound(w, r)
		return
	}
	f, err := u.panelFrame(r, "campaigns")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	before, err := u.Campaigns.Settings(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if pct, ok := panelInt(ctx, &f, r, "send_share"); ok {
		share := float64(pct) / 100
		after, err := u.Campaigns.UpdateSettings(ctx, campaign.SettingsInput{SendShare: &share})
		if err == nil {
			u.panelSaved(w, r, f, settings.Diff(before, after))
			return
		}
		if !panelRefused(ctx, &f, err) {
			u.fail(w, r, err)
			return
		}
	}
	render(w, r, http.StatusUnprocessableEntity, campaignSettingsView(f, r.PostForm.Get("send_share")))
}
