package browsertest

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/sandbox"
)

// TestConnectAccountAndSyncTemplates connects an account from the guided
// form and sees what to paste into Meta; on the sandbox account it checks
// the token (templates synced), adds a sandbox number with its rate, and
// finds the templates with their previews.
func TestConnectAccountAndSyncTemplates(t *testing.T) {
	p := start(t)
	p.user("admin@example.com", "admin")
	p.login("admin@example.com")

	p.goTo("/accounts/new")
	p.submit(
		chromedp.SetValue(chromedp.ID("name"), "Loja Centro"),
		chromedp.SetValue(chromedp.ID("waba_id"), "999"),
		chromedp.SetValue(chromedp.ID("access_token"), "token-da-loja"),
		chromedp.Click(chromedp.CSS(`.account-form button[type="submit"]`)),
	)
	p.waitText("#app_secret-error", "app_secret")
	p.submit(
		chromedp.SetValue(chromedp.ID("access_token"), "token-da-loja"),
		chromedp.SetValue(chromedp.ID("app_secret"), "segredo-do-app"),
		chromedp.Click(chromedp.CSS(`.account-form button[type="submit"]`)),
	)
	p.waitText(".saved", "Account connected")
	p.waitText(`[data-copy="webhook-url"]`, p.env.URL+"/webhooks/whatsapp/")
	p.shot("account-connected")

	p.goTo("/accounts/1")
	p.submit(chromedp.Click(chromedp.CSS(`.webhook-info button[type="submit"]`)))
	p.waitText(".saved", "The access token works")
	require.Positive(t, p.env.Count(`SELECT COUNT(*) FROM templates WHERE account_id = 1`))

	_, err := p.env.App.Sandbox.AddSender(sandbox.Sender{PhoneNumberID: "200000000000007", DisplayPhoneNumber: "+55 11 3000-0007", VerifiedName: "Loja Sul"})
	require.NoError(t, err)
	p.submit(
		chromedp.SetValue(chromedp.ID("phone_number_id"), "200000000000007"),
		chromedp.SetValue(chromedp.ID("rate_limit"), "20"),
		chromedp.Click(chromedp.CSS(`.add-sender button[type="submit"]`)),
	)
	p.waitText(".saved", "Number added")
	p.waitText("table.senders", "Loja Sul")
	require.Equal(t, 1, p.env.Count(`SELECT COUNT(*) FROM senders WHERE phone_number_id = '200000000000007' AND rate_limit = 20`))
	p.shot("whatsapp-account")

	p.goTo("/templates")
	p.waitVisible(".template-card .bubble")
	p.submit(chromedp.Click(chromedp.CSS(`.templates-page .page-head form button`)))
	p.waitText(".saved", "Templates synced")
	p.shot("templates")
}

// TestFailedSendNotifiesLiveAndShowsOnTheDashboard has a reply fail after
// its retries: the bell counts it without a reload, the notification
// opens the chat at the message, and the dashboard counts the day's
// messages and the failure by its error code.
func TestFailedSendNotifiesLiveAndShowsOnTheDashboard(t *testing.T) {
	p := start(t, func(c *config.Config) {
		c.SendRetryWait = 200 * time.Millisecond
		c.SendMaxAttempts = 2
	})
	p.user("admin@example.com", "admin")
	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Oi, tudo bem?")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM messages`) == 1 }, "the message is stored")
	p.login("admin@example.com")
	p.goTo("/inbox")
	p.waitVisible("header.top .bell")
	require.Equal(t, 0, p.env.Count(`SELECT COUNT(*) FROM notifications`))

	p.env.App.Sandbox.FailNext(sender, 2, 131000)
	var out struct {
		ID int64 `json:"id"`
	}
	require.Equal(t, http.StatusAccepted, p.env.Do(http.MethodPost, "/api/v1/messages",
		map[string]any{"sender": sender, "to": "+5511988887777", "type": "text", "text": "Tudo ótimo!"}, &out))
	p.waitText("header.top .bell .count", "1")
	p.shot("notification-bell")

	p.goTo("/notifications")
	p.waitText(".notifications", "could not be sent")
	p.shot("notifications")
	p.submit(chromedp.Click(chromedp.CSS(`.notification .what a`)))
	require.Equal(t, "/inbox/"+p.conversationID()+"#m"+strconv.FormatInt(out.ID, 10), p.location())
	p.waitVisible("#m" + strconv.FormatInt(out.ID, 10))

	p.goTo("/dashboard")
	p.waitText(`[data-total="in"]`, "1")
	p.waitText(`[data-total="out"]`, "1")
	p.waitText(`[data-total="failed"]`, "1")
	p.waitText("table.failures", "transient")
	p.shot("dashboard")
	bars, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`document.querySelectorAll(".chart rect").length`))
	require.NoError(t, err)
	require.Positive(t, bars, "the charts are drawn")
}
