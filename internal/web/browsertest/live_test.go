package browsertest

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/settings"
)

// played reads how many times the page called the new-message alert.
func (p *page) played() int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`window.zapflowSound ? window.zapflowSound.played : -1`))
	require.NoError(p.t, err)
	return n
}

// TestNewMessageAppearsLiveWithSound keeps a chat open while the customer
// writes again: the message appears without a reload, and the alert is
// played. After the user turns the sound off in their account, the next
// message still appears live, silently.
func TestNewMessageAppearsLiveWithSound(t *testing.T) {
	p := start(t)
	p.user("ana@example.com", "agent")
	require.NoError(t, settings.Put(context.Background(), p.env.App.Settings, agent.KeyNotifications, agent.NotificationSettings{SoundDefault: true}))
	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Bom dia")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM messages`) == 1 }, "the first message is stored")
	p.login("ana@example.com")
	p.goTo("/inbox/" + p.conversationID())
	p.waitText("#messages", "Bom dia")
	require.Zero(t, p.played())

	_, err = p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Ainda tem horário amanhã?")
	require.NoError(t, err)
	p.waitText("#messages", "Ainda tem horário amanhã?")
	p.eventually(func() bool { return p.played() == 1 }, "the alert played once")

	p.goTo("/account")
	p.submit(chromedp.Click(chromedp.CSS(`input[name="sound"][value="off"]`)), chromedp.Submit(chromedp.CSS(`input[name="sound"][value="off"]`)))
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM users WHERE sound = 'off'`) == 1 }, "the sound is off")
	p.goTo("/inbox/" + p.conversationID())
	p.waitText("#messages", "Ainda tem horário amanhã?")
	_, err = p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Pode ser às 10h")
	require.NoError(t, err)
	p.waitText("#messages", "Pode ser às 10h")
	require.Zero(t, p.played(), "silent when the sound is off")
}

// TestMessageThatComesWhileTheChatLoadsAppears holds the page's event
// stream back, as a slow network would, while the customer writes: the
// message is stored after the page was read and before the stream
// connected, and it appears once the stream starts. (The stream used to
// begin where the server stood when the browser connected, so such a
// message showed only after a reload.)
func TestMessageThatComesWhileTheChatLoadsAppears(t *testing.T) {
	p := start(t)
	p.user("ana@example.com", "agent")
	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Bom dia")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM messages`) == 1 }, "the first message is stored")
	p.login("ana@example.com")

	paused := chromedp.Events(p.ctx, fetch.RequestPaused)
	_, err = chromedp.Call(p.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/events*"}}})
	require.NoError(t, err)
	p.goTo("/inbox/" + p.conversationID())
	p.waitText("#messages", "Bom dia")
	var held fetch.EventRequestPaused
	for ev, err := range paused {
		require.NoError(t, err)
		held = ev
		break
	}
	_, err = p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Chegou enquanto abria?")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM messages`) == 2 }, "the second message is stored")
	_, err = chromedp.Call(p.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: held.RequestID})
	require.NoError(t, err)
	p.waitText("#messages", "Chegou enquanto abria?")
}
