package ui

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/campaign"
)

// TestCampaignChart: hours without sends are empty groups (a pause shows),
// and a campaign spread over more than three days is drawn per day.
func TestCampaignChart(t *testing.T) {
	ctx := withLocale(context.Background(), "en")
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	c := campaignChart(ctx, []campaign.Hour{{Hour: at, Sent: 10, Delivered: 8}, {Hour: at.Add(3 * time.Hour), Sent: 5, Failed: 1}})
	require.Equal(t, []chartLabel{{X: 8, Text: "09h"}, {X: 44, Text: "10h"}, {X: 80, Text: "11h"}, {X: 116, Text: "12h"}}, c.Labels)
	require.Len(t, c.Bars, 4*4, "four hours, four series each")
	require.Equal(t, "09h · Sent: 10", c.Bars[0].Title)
	require.Equal(t, "10h · Sent: 0", c.Bars[4].Title, "the empty hour between")
	require.Equal(t, "12h · Failed: 1", c.Bars[15].Title)
	require.Contains(t, c.Title, "Per hour (UTC) · 2026-12-03")

	c = campaignChart(ctx, []campaign.Hour{{Hour: at, Sent: 1000}, {Hour: at.Add(30 * time.Minute * 2 * 24 * 4), Sent: 200}})
	require.Len(t, c.Bars, 5*4, "five days")
	require.Equal(t, "12-03 · Sent: 1000", c.Bars[0].Title)
	require.Equal(t, "12-07 · Sent: 200", c.Bars[16].Title)
	require.Contains(t, c.Title, "Per day (UTC)")

	require.Empty(t, campaignChart(ctx, nil).Labels, "no chart before the first send")
}
