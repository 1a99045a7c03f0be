package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestAIMenuFillsTheBoxAndSendsOnlyOnClick shows the ✨ menu replaces the
// agent's draft with the sandbox model's suggestion, that nothing goes to
// the customer until the agent sends, and that Send delivers the edited
// suggestion.
func TestAIMenuFillsTheBoxAndSendsOnlyOnClick(t *testing.T) {
	p := start(t)
	p.user("ana@example.com", "agent")
	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Vocês abrem sábado?")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM conversations`) == 1 }, "the conversation is stored")
	p.login("ana@example.com")
	p.goTo("/inbox/" + p.conversationID())
	p.waitVisible("#ai-choice")

	p.do(chromedp.SendKeys(chromedp.ID("reply-text"), "sim abrimos das 9 as 13"),
		chromedp.SetValue(chromedp.ID("ai-choice"), "simplify"),
		chromedp.Click(chromedp.CSS(".ai-go")))
	var draft string
	p.eventually(func() bool {
		v, err := chromedp.Run(p.ctx, chromedp.Value(chromedp.ID("reply-text")))
		draft = v
		return err == nil && strings.HasPrefix(draft, "[sandbox]")
	}, "the suggestion fills the reply box")
	p.shot("ai-menu")
	require.Empty(t, p.env.App.Sandbox.Sent(), "nothing is sent before the agent presses Send")
	require.Zero(t, p.env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`))

	p.submit(chromedp.Click(chromedp.CSS(`form.reply button[type="submit"]:not(.ai-go)`)))
	p.eventually(func() bool {
		for _, m := range p.env.App.Sandbox.Sent() {
			if m.Text == draft {
				return true
			}
		}
		return false
	}, "Send delivers the suggestion")
}
