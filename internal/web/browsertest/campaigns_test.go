package browsertest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/store"
)

// campaignCount is the number a campaign page shows for a count.
func (p *page) campaignCount(name string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(document.querySelector('[data-count="`+name+`"]') || {}).textContent || ""`))
	require.NoError(p.t, err)
	return strings.TrimSpace(s)
}

// TestCampaignWizardInTheBrowser runs the wizard against the sandbox:
// twelve tagged contacts (one opted out) and one untagged; the audience
// by tag, the template with its variables from the contact's name and a
// custom field, the counts, a test send, and start. The sender is slowed
// to under one send a second, so the campaign is still running when the
// page's Pause stops it; the page shows the reason, Resume continues, and
// the live counts reach "completed" with every recipient sent once.
func TestCampaignWizardInTheBrowser(t *testing.T) {
	p := start(t)
	ctx := context.Background()
	p.user("ana@example.com", "admin")
	for i := 1; i <= 12; i++ {
		tags, order := []string{"entrega"}, fmt.Sprintf("#%d", 100+i)
		_, err := p.env.App.Contacts.Create(ctx, contact.Input{Phone: ptr(fmt.Sprintf("+55119400000%02d", i)), Name: ptr(fmt.Sprintf("Cliente %d", i)),
			Tags: &tags, Fields: map[string]*string{"pedido": &order}}, "BR", contact.Actor{Source: "test"})
		require.NoError(t, err)
	}
	optedOut := true
	tags := []string{"entrega"}
	_, err := p.env.App.Contacts.Create(ctx, contact.Input{Phone: ptr("+5511940000099"), Name: ptr("Saiu"), Tags: &tags, OptedOut: &optedOut},
		"BR", contact.Actor{Source: "test"})
	require.NoError(t, err)
	_, err = p.env.App.Contacts.Create(ctx, contact.Input{Phone: ptr("+5511940000098"), Name: ptr("Outro")}, "BR", contact.Actor{Source: "test"})
	require.NoError(t, err)
	sender := p.env.Count(`SELECT MIN(id) FROM senders`)
	require.NoError(t, p.env.App.DB.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE senders SET rate_limit = 1 WHERE id = ?`, sender)
		return err
	}))

	p.eventually(func() bool {
		return p.env.Count(`SELECT COUNT(*) FROM templates WHERE name = 'delivery_update' AND status = 'APPROVED'`) == 1
	}, "the sandbox's templates are synced")
	p.login("ana@example.com")
	p.goTo("/campaigns")
	p.submit(chromedp.Click(chromedp.CSS(`.campaigns-head a.button`)))
	p.waitVisible("#name")
	p.do(chromedp.SetValue(chromedp.ID("name"), "Saiu para entrega"))
	_, err = chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.getElementById("sender-`+strconv.Itoa(sender)+`").checked = true`))
	require.NoError(t, err)
	p.do(chromedp.SetValue(chromedp.ID("template"), "delivery_update|pt_BR"))
	p.submit(chromedp.Click(chromedp.CSS(`.campaign-form button[type="submit"]`)))

	p.waitText(".wizard-steps [aria-current]", "Audience")
	p.do(chromedp.SetValue(chromedp.ID("tags"), "entrega"))
	p.shot("campaign-audience")
	p.submit(chromedp.Click(chromedp.CSS(`.campaign-form button[type="submit"]`)))

	p.waitText(".wizard-steps [aria-current]", "Mapping")
	p.do(chromedp.SetValue(chromedp.ID("from-customer_name"), "contact.name"))
	p.do(chromedp.SetValue(chromedp.ID("from-order_id"), "contact.pedido"))
	p.do(chromedp.SetValue(chromedp.ID("default-order_id"), "seu pedido"))
	p.shot("campaign-mapping")
	p.submit(chromedp.Click(chromedp.CSS(`.campaign-form button[type="submit"]`)))

	p.waitText(".wizard-steps [aria-current]", "Review")
	require.Equal(t, "13", p.campaignCount("total"))
	require.Equal(t, "12", p.campaignCount("will_send"))
	require.Equal(t, "1", p.campaignCount("skip-opted_out"))
	p.shot("campaign-review")
	p.submit(chromedp.Click(chromedp.ID("to-test")))

	p.waitText(".wizard-steps [aria-current]", "Test")
	to, err := chromedp.Run(p.ctx, chromedp.Value(chromedp.ID("to")))
	require.NoError(t, err)
	require.Equal(t, "+5511940000001", to, "the first recipient's number is suggested")
	p.submit(chromedp.Click(chromedp.CSS(`.campaign-form button[type="submit"]`)))
	p.waitVisible("#to-schedule")
	p.waitText("#test-state", "+5511940000001")
	require.Equal(t, 1, p.env.Count(`SELECT COUNT(*) FROM messages WHERE source LIKE 'campaign-test:%'`))
	p.submit(chromedp.Click(chromedp.ID("to-schedule")))

	p.waitText(".wizard-steps [aria-current]", "Schedule")
	p.shot("campaign-schedule")
	p.submit(chromedp.Click(chromedp.ID("start-campaign")))
	p.waitVisible("#campaign-live")
	id, err := strconv.ParseInt(strings.TrimPrefix(p.location(), "/campaigns/"), 10, 64)
	require.NoError(t, err, p.location())
	p.waitText(".campaign-status", "Running")
	p.shot("campaign")

	p.submit(chromedp.Click(chromedp.ID("campaign-pause")))
	p.waitText(".campaign-status", "Paused")
	p.waitText("#pause-reason", "paused by hand")
	c, err := p.env.App.Campaigns.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, campaign.StatusPaused, c.Status)
	require.Positive(t, p.env.Count(`SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = ? AND state = 'queued'`, id),
		"paused before the end")

	p.submit(chromedp.Click(chromedp.ID("campaign-resume")))
	p.waitText(".campaign-status", "Running")
	// The live fragment follows the campaign to its end without a reload.
	p.waitText(".campaign-status", "Completed")
	require.Equal(t, "12", p.campaignCount("sent"))
	require.Equal(t, "0", p.campaignCount("queued"))
	require.Equal(t, "1", p.campaignCount("skipped"))
	p.waitVisible("#campaign-live svg") // the chart of sends per hour
	// The recipients table follows the counts too: none is left queued.
	p.eventually(func() bool {
		n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#recipients td[data-state="queued"]').length`))
		return err == nil && n == 0
	}, "the recipients table shows no queued recipient")
	p.shot("campaign-completed")
	src := "campaign:" + strconv.FormatInt(id, 10)
	require.Equal(t, 12, p.env.Count(`SELECT COUNT(*) FROM messages WHERE source = ?`, src))
	require.Equal(t, 12, p.env.Count(`SELECT COUNT(DISTINCT conversation_id) FROM messages WHERE source = ?`, src), "each recipient once")
	p.goTo("/campaigns")
	p.waitText("#campaign-"+strconv.FormatInt(id, 10), "12 / 12")
}

func ptr[T any](v T) *T { return &v }
