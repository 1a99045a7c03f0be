package ui

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/campaign"
)

// TestCampaignTextsInBothLanguages shows every campaign text has a
// Brazilian Portuguese translation, and every step, status, skip reason
// and recipient state the pages name by key has a text in both.
func TestCampaignTextsInBothLanguages(t *testing.T) {
	for k := range enCampaigns {
		require.NotEmpty(t, ptBRCampaigns[k], "pt-BR text missing for %s", k)
	}
	require.Len(t, ptBRCampaigns, len(enCampaigns), "no key is Portuguese-only")
	keys := []string{}
	for _, s := range campaignSteps {
		keys = append(keys, "campaigns.step."+s, "campaigns.step."+s+".desc")
	}
	for _, s := range []string{campaign.StatusDraft, campaign.StatusScheduled, campaign.StatusRunning, campaign.StatusPaused,
		campaign.StatusCompleted, campaign.StatusCancelled} {
		keys = append(keys, "campaigns.status."+s)
	}
	for _, r := range skipReasons {
		keys = append(keys, "campaigns.skip."+r)
	}
	for _, s := range recipientStates {
		keys = append(keys, "campaigns.state."+s)
	}
	for _, k := range keys {
		require.NotEmpty(t, enCampaigns[k], k)
		require.NotEmpty(t, ptBRCampaigns[k], k)
	}
}
