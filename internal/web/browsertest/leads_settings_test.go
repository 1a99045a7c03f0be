package browsertest

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/lead"
)

// TestLeadSettingsSaveInTheBrowser fills the auto lead panel: without a
// status the save is refused with the error next to the field; with one
// it is saved, the page says so, shows the audit line and the service
// reads the new settings at once.
func TestLeadSettingsSaveInTheBrowser(t *testing.T) {
	p := start(t)
	p.user("admin@example.com", "admin")
	p.login("admin@example.com")
	p.goTo("/settings/leads")
	p.waitText(".settings h1", "Auto lead")

	p.submit(
		chromedp.Click(chromedp.ID("enabled")),
		chromedp.SetValue(chromedp.ID("default_status"), ""),
		chromedp.SetValue(chromedp.ID("source_id"), "3"),
		chromedp.SetValue(chromedp.ID("agent"), "round_robin"),
		chromedp.Click(chromedp.CSS(`.settings-form button[type="submit"]`)),
	)
	p.waitText("#err-default_status", "Choose the status new leads start in.")
	invalid, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById("default_status").getAttribute("aria-invalid")`))
	require.NoError(t, err)
	require.Equal(t, "true", invalid)
	agentValue, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById("agent").value`))
	require.NoError(t, err)
	require.Equal(t, "round_robin", agentValue, "the refused form keeps what was chosen")
	require.Zero(t, p.env.Count(`SELECT COUNT(*) FROM settings WHERE key = ?`, lead.KeyAutoLead))

	p.submit(
		chromedp.SetValue(chromedp.ID("default_status"), "in_progress"),
		chromedp.Click(chromedp.CSS(`.settings-form button[type="submit"]`)),
	)
	p.waitText(".saved", "Saved.")
	p.waitText(".audit", "default_status: new → in_progress")
	require.Equal(t, "/settings/leads?saved=1", p.location())
	s, err := p.env.App.Leads.AutoSettings(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, lead.AutoSettings{Enabled: true, Status: lead.StatusInProgress, SourceID: 3, Agent: lead.AgentRoundRobin}, s)
}
