package web

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/httpx"
)

// Campaigns: drafts, their audience (CSV upload, preview, skipped list),
// the test send, start, pause, resume, cancel and the report. Every
// route needs manage_settings: a campaign speaks for the business to
// thousands of people at once.

// maxCampaignCSV bounds an uploaded audience file.
const maxCampaignCSV = 50 << 20

func (s *server) listCampaigns(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Campaigns.List(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"campaigns": cs})
	return nil
}

func (s *server) createCampaign(w http.ResponseWriter, r *http.Request) error {
	var in campaign.Input
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	p, _ := agent.PrincipalFrom(r.Context())
	c, err := s.Campaigns.Create(r.Context(), p.UserID, in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, c)
	return nil
}

// campaignView is a campaign with its live counts.
type campaignView struct {
	campaign.Campaign
	Progress campaign.Progress `json:"progress"`
}

func (s *server) getCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Campaigns.Get(r.Context(), id)
	if err != nil {
		return err
	}
	p, err := s.Campaigns.Progress(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, campaignView{Campaign: c, Progress: p})
	return nil
}

func (s *server) updateCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in campaign.Input
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	c, err := s.Campaigns.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, c)
	return nil
}

func (s *server) deleteCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Campaigns.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.Campaigns.Delete(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, campaign.AuditSection, campaign.AuditLine("deleted draft", c))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) uploadCampaignCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.Campaigns.UploadCSV(r.Context(), id, http.MaxBytesReader(w, r.Body, maxCampaignCSV))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"rows": n})
	return nil
}

func (s *server) previewCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Campaigns.Preview(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, p)
	return nil
}

func (s *server) campaignSkippedCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Campaigns.Get(r.Context(), id); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="campaign-`+strconv.FormatInt(id, 10)+`-skipped.csv"`)
	return s.Campaigns.WriteSkipped(r.Context(), id, w)
}

// testCampaignRequest is the body of POST /api/v1/campaigns/{id}/test.
type testCampaignRequest struct {
	To string `json:"to"`
}

func (s *server) testCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in testCampaignRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	res, err := s.Campaigns.Test(r.Context(), id, in.To)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, res)
	return nil
}

// campaignAction runs start, pause, resume or cancel, and records it in
// the audit log as verb.
func (s *server) campaignAction(verb string, act func(*campaign.Service, *http.Request, int64) (campaign.Campaign, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		c, err := act(s.Campaigns, r, id)
		if err != nil {
			return err
		}
		s.audit(r, campaign.AuditSection, campaign.AuditLine(verb, c))
		httpx.JSON(w, http.StatusOK, c)
		return nil
	}
}

func startCampaign(c *campaign.Service, r *http.Request, id int64) (campaign.Campaign, error) {
	return c.Start(r.Context(), id)
}

func pauseCampaign(c *campaign.Service, r *http.Request, id int64) (campaign.Campaign, error) {
	return c.Pause(r.Context(), id, "")
}

func resumeCampaign(c *campaign.Service, r *http.Request, id int64) (campaign.Campaign, error) {
	return c.Resume(r.Context(), id)
}

func cancelCampaign(c *campaign.Service, r *http.Request, id int64) (campaign.Campaign, error) {
	return c.Cancel(r.Context(), id)
}

func (s *server) listCampaignRecipients(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	after, err := queryInt(r, "after")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	rs, err := s.Campaigns.Recipients(r.Context(), id, r.URL.Query().Get("state"), after, int(limit))
	if err != nil {
		return err
	}
	next := int64(0)
	if len(rs) > 0 {
		next = rs[len(rs)-1].ID
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"recipients": rs, "next_after": next})
	return nil
}

func (s *server) campaignRecipientsCSV(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Campaigns.Get(r.Context(), id); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="campaign-`+strconv.FormatInt(id, 10)+`-recipients.csv"`)
	return s.Campaigns.WriteRecipients(r.Context(), id, w)
}

func (s *server) campaignTimeline(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Campaigns.Get(r.Context(), id); err != nil {
		return err
	}
	hours, err := s.Campaigns.Timeline(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"hours": hours})
	return nil
}
