package browsertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
)

// TestForwardingPanelAndDeliveryLog: an admin opens the webhook
// forwarding panel (which says it is not the Cloud API webhook), saves a
// private address and sees the refusal next to the URL field, saves the
// CRM's address and sees the signing secret once; a customer's message
// reaches the CRM and shows in the delivery log with its attempt, and
// "Resend" sends it again.
func TestForwardingPanelAndDeliveryLog(t *testing.T) {
	var hits atomic.Int32
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"received":true}`))
	}))
	t.Cleanup(crm.Close)
	p := start(t, apptest.AllowOutbound(t, "127.0.0.1"))
	p.user("admin@example.com", "admin")
	p.login("admin@example.com")

	p.goTo("/settings/forwarding")
	p.waitText("#not-cloud-api", "not the Cloud API webhook")
	p.submit(
		chromedp.Click(chromedp.ID("enabled")),
		chromedp.SetValue(chromedp.ID("url"), "http://10.0.0.5/hook"),
		chromedp.Click(chromedp.CSS(`.settings-form button[type="submit"]`)),
	)
	p.waitText("#url ~ #err-url", "private or local")
	invalid, err := chromedp.Run(p.ctx, chromedp.AttributeValue(chromedp.ID("url"), "aria-invalid"))
	require.NoError(t, err)
	require.Equal(t, "true", invalid.Value)
	p.shot("forwarding-refused")

	p.submit(
		chromedp.SetValue(chromedp.ID("url"), crm.URL+"/zapflow"),
		chromedp.Click(chromedp.CSS(`.settings-form button[type="submit"]`)),
	)
	p.waitText("#new-secret", "zfwhsec_")
	p.waitText(".saved", "Saved")
	p.shot("forwarding-secret")
	p.goTo("/settings/forwarding")
	p.waitText("#secret-state", "ending in")
	require.NotContains(t, p.text(), "zfwhsec_", "the secret is shown once")

	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err = p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Quero falar com vendas")
	require.NoError(t, err)
	p.eventually(func() bool { return hits.Load() == 1 }, "the message reached the CRM")
	// The CRM's answer is recorded just after it is received: the page
	// (not live) shows the delivery as it is when it loads.
	p.eventually(func() bool {
		var n int
		err := p.env.App.DB.Read().QueryRow(context.Background(), `SELECT COUNT(*) FROM forward_deliveries WHERE state = 'delivered'`).Scan(&n)
		return err == nil && n == 1
	}, "the delivery is recorded")

	p.goTo("/settings/forwarding/deliveries")
	p.waitText(".forward-table", "Quero falar com vendas")
	p.waitText(".forward-table", "Delivered")
	p.do(chromedp.Click(chromedp.CSS(".forward-table details summary")))
	p.waitText(".forward-table .attempt", "200")
	p.waitText(".forward-table .attempt pre", `{"received":true}`)
	p.shot("forwarding-log")
	p.submit(chromedp.Click(chromedp.CSS(`.forward-table form button[type="submit"]`)))
	p.waitText(".saved", "Sent again")
	p.eventually(func() bool { return hits.Load() == 2 }, "resent to the CRM")
}
