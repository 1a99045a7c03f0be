package browsertest

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestSandboxPageCustomerReachesTheInbox plays the customer on the
// sandbox page: the message shows up in the inbox, and the agent's answer
// appears on the sandbox page (kept open in another tab) without a reload.
// A photo sent from the page arrives as an image message.
func TestSandboxPageCustomerReachesTheInbox(t *testing.T) {
	p := start(t)
	p.user("ana@example.com", "admin")
	p.login("ana@example.com")
	p.goTo("/sandbox")
	p.waitText("#chat", "Nothing yet")
	p.do(chromedp.SetValue(chromedp.ID("sb-name"), "Duda Cliente"))
	p.submit(chromedp.SendKeys(chromedp.ID("sb-text"), "Vocês abrem no sábado?\r")) // Enter sends
	p.waitText(".sb-notice", "Sent.")
	p.waitText("#chat .sb-line.in", "Vocês abrem no sábado?")
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM conversations`) == 1 }, "the conversation is stored")

	inbox := p.otherTab()
	inbox.goTo("/inbox")
	inbox.waitText("#conversation-list", "Duda Cliente")
	inbox.goTo("/inbox/" + p.conversationID())
	inbox.waitText("#messages", "Vocês abrem no sábado?")
	inbox.submit(chromedp.SendKeys(chromedp.ID("reply-text"), "Sim, das 9h às 13h.\r"))

	p.waitText("#chat .sb-line.out", "Sim, das 9h às 13h.") // the page refreshed its chat by itself
	require.Contains(t, p.location(), "/sandbox?")
	p.shot("sandbox")

	p.submit(chromedp.Click(chromedp.CSS(`.sb-compose button[value="image"]`)))
	p.waitText("#chat .sb-line.in", "📷")
	p.eventually(func() bool {
		return p.env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'in' AND type = 'image'`) == 1
	}, "the photo is stored as an image message")
}
