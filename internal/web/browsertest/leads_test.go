package browsertest

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/lead"
)

// leadCustomer has a sandbox customer write and returns their contact
// and conversation ids once stored.
func (p *page) leadCustomer(phone, name string) (contact, conv int64) {
	p.t.Helper()
	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, phone, name, "Quero um orçamento")
	require.NoError(p.t, err)
	p.eventually(func() bool {
		return p.env.Count(`SELECT COUNT(*) FROM contacts WHERE phone = ? OR wa_id = ?`, phone, strings.TrimPrefix(phone, "+")) == 1 &&
			p.env.Count(`SELECT COUNT(*) FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.phone = ? OR k.wa_id = ?`,
				phone, strings.TrimPrefix(phone, "+")) == 1
	}, "the customer's chat is stored")
	require.NoError(p.t, p.env.App.DB.Read().QueryRow(context.Background(), `SELECT c.id, c.contact_id FROM conversations c
		JOIN contacts k ON k.id = c.contact_id WHERE k.phone = ? OR k.wa_id = ?`, phone, strings.TrimPrefix(phone, "+")).Scan(&conv, &contact))
	return contact, conv
}

// leadOf opens a lead for a new sandbox customer.
func (p *page) leadOf(phone, name string, in lead.NewLead) lead.Lead {
	p.t.Helper()
	in.ContactID, _ = p.leadCustomer(phone, name)
	l, err := p.env.App.Leads.Create(context.Background(), in, lead.Actor{Kind: lead.ByFlow})
	require.NoError(p.t, err)
	return l
}

func (p *page) userID(email string) int64 {
	p.t.Helper()
	var id int64
	require.NoError(p.t, p.env.App.DB.Read().QueryRow(context.Background(), `SELECT id FROM users WHERE email = ?`, email).Scan(&id))
	return id
}

// TestLeadEditInTheBrowser opens a lead from the leads list, saves a tag
// that is too long (the error shows next to the tags, nothing saved),
// then a valid edit: the page says so and the history shows the new
// status.
func TestLeadEditInTheBrowser(t *testing.T) {
	p := start(t)
	p.user("admin@example.com", "admin")
	l := p.leadOf("+5511987650101", "Carla Cliente", lead.NewLead{})
	p.login("admin@example.com")
	p.goTo("/leads")
	p.waitText(".leads-table", "Carla Cliente")
	p.submit(chromedp.Click(chromedp.CSS(`#lead-` + strconv.FormatInt(l.ID, 10) + ` a`)))
	p.waitText(".lead-page h1", "Carla Cliente")

	p.submit(
		chromedp.SetValue(chromedp.ID("status"), "qualified"),
		chromedp.SetValue(chromedp.ID("tags"), "vip\n"+strings.Repeat("x", 60)),
		chromedp.Click(chromedp.CSS(`.lead-form button[type="submit"]`)),
	)
	p.waitText("#err-tags", "A tag has at most 50 characters.")
	invalid, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById("tags").getAttribute("aria-invalid")`))
	require.NoError(t, err)
	require.Equal(t, "true", invalid)
	status, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById("status").value`))
	require.NoError(t, err)
	require.Equal(t, "qualified", status, "the refused form keeps what was chosen")
	got, err := p.env.App.Leads.Get(context.Background(), l.ID)
	require.NoError(t, err)
	require.Equal(t, lead.StatusNew, got.Status, "nothing saved")

	p.submit(
		chromedp.SetValue(chromedp.ID("tags"), "vip\nrecife"),
		chromedp.SetValue(chromedp.ID("notes"), "Wants a quote for 30 units"),
		chromedp.Click(chromedp.CSS(`.lead-form button[type="submit"]`)),
	)
	p.waitText(".saved", "Saved.")
	p.waitText("#lead-history", "Qualified")
	got, err = p.env.App.Leads.Get(context.Background(), l.ID)
	require.NoError(t, err)
	require.Equal(t, lead.StatusQualified, got.Status)
	require.Equal(t, []string{"recife", "vip"}, got.Tags)
	require.Equal(t, "Wants a quote for 30 units", got.Notes)
}

// TestLeadReassignInTheBrowser: an admin gives a lead to Bia; Bia, on the
// leads page in her own browser, sees the notice that a lead is hers and
// the list shows it as hers without a reload.
func TestLeadReassignInTheBrowser(t *testing.T) {
	p := start(t)
	p.user("admin@example.com", "admin")
	p.user("bia@example.com", "agent")
	bia := p.userID("bia@example.com")
	l := p.leadOf("+5511987650201", "Davi Cliente", lead.NewLead{})

	b := p.secondBrowser()
	b.login("bia@example.com")
	b.goTo("/leads")
	b.waitText(".leads-table", "Davi Cliente")

	p.login("admin@example.com")
	p.goTo("/leads/" + strconv.FormatInt(l.ID, 10))
	p.submit(
		chromedp.SetValue(chromedp.ID("agent_id"), strconv.FormatInt(bia, 10)),
		chromedp.Click(chromedp.CSS(`.assign-form button[type="submit"]`)),
	)
	p.waitText("#lead-agent", "Agent bia@example.com")
	got, err := p.env.App.Leads.Get(context.Background(), l.ID)
	require.NoError(t, err)
	require.Equal(t, bia, got.AgentID)

	b.waitText(".lead-toast", "A new lead was assigned to you")
	b.waitText(".leads-table", "Agent bia@example.com")
	href, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector(".lead-toast a").getAttribute("href")`))
	require.NoError(t, err)
	require.Equal(t, "/leads?agent="+strconv.FormatInt(bia, 10), href)
}

// TestLeadReportInTheBrowser: the report shows the period's counts by
// source and by status, each with its chart.
func TestLeadReportInTheBrowser(t *testing.T) {
	p := start(t)
	p.user("admin@example.com", "admin")
	p.leadOf("+5511987650301", "Eva", lead.NewLead{SourceID: 2})
	p.leadOf("+5511987650302", "Fábio", lead.NewLead{SourceID: 2, Status: lead.StatusContacted})
	p.login("admin@example.com")
	p.goTo("/leads/report")
	p.waitVisible(".by-source svg rect")
	p.waitVisible(".by-status svg rect")
	p.waitText(`[data-total="leads"]`, "2")
	p.waitText(`.by-source tr[data-source="2"] .count`, "2")
	p.waitText(`.by-status tr[data-status="contacted"] .count`, "1")
	bars, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(".by-source svg rect title")].filter(t => t.textContent === "Facebook · Leads: 2").length`))
	require.NoError(t, err)
	require.Equal(t, 1, bars, "the chart draws Facebook's bar")
	p.waitVisible(`a.export[href^="/leads/report.csv?from="]`)
}

// TestChatLeadPanelInTheBrowser: beside a chat with no lead the panel
// offers "Create lead"; the lead it creates shows, and its quick status
// change saves the new status.
func TestChatLeadPanelInTheBrowser(t *testing.T) {
	p := start(t)
	p.user("admin@example.com", "admin")
	_, conv := p.leadCustomer("+5511987650401", "Gil")
	p.login("admin@example.com")
	p.goTo("/inbox/" + strconv.FormatInt(conv, 10))
	p.waitText("#lead-panel", "No open lead for this contact.")
	p.submit(chromedp.Click(chromedp.CSS(`#lead-panel button[type="submit"]`)))
	p.waitText("#lead-panel-status", "New")

	p.submit(
		chromedp.SetValue(chromedp.ID("lead-quick-status"), "in_progress"),
		chromedp.Click(chromedp.CSS(`#lead-panel .lead-quick button[type="submit"]`)),
	)
	p.waitText("#lead-panel-status", "In progress")
	require.Equal(t, "/inbox/"+strconv.FormatInt(conv, 10), p.location())
	require.Equal(t, 1, p.env.Count(`SELECT COUNT(*) FROM leads WHERE status = 'in_progress'`))
}
