package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/settings"
)

// The campaign settings: the part of each sender's rate campaigns may use
// together (default 80%). Both calls need manage_settings, like the
// campaigns themselves.

func (s *server) getCampaignSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Campaigns.Settings(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) putCampaignSettings(w http.ResponseWriter, r *http.Request) error {
	var in campaign.SettingsInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	before, err := s.Campaigns.Settings(r.Context())
	if err != nil {
		return err
	}
	v, err := s.Campaigns.UpdateSettings(r.Context(), in)
	if err != nil {
		return err
	}
	s.audit(r, campaign.SettingsKey, settings.Diff(before, v))
	httpx.JSON(w, http.StatusOK, v)
	return nil
}
