package browsertest

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/sandbox"
)

// TestCustomerMessageShowsAndAgentReplies plays a sandbox customer who
// writes in: after navigation the inbox lists the conversation and shows
// the message; the agent types a reply and presses Enter, and the
// sandbox receives it.
func TestCustomerMessageShowsAndAgentReplies(t *testing.T) {
	p := start(t)
	p.user("ana@example.com", "agent")
	p.login("ana@example.com")

	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Olá, quero marcar um horário")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM conversations`) == 1 }, "the conversation is stored")

	p.goTo("/inbox")
	p.waitText("#conversation-list", "Carla Cliente")
	p.submit(chromedp.Click(chromedp.CSS(`#conversation-list a`)))
	p.waitText("#messages", "Olá, quero marcar um horário")

	p.submit(chromedp.SendKeys(chromedp.ID("reply-text"), "Claro! Qual dia?\r"))
	p.waitText("#messages .out", "Claro! Qual dia?")
	p.eventually(func() bool {
		return slices.ContainsFunc(p.env.App.Sandbox.Sent(), func(m sandbox.SentMessage) bool {
			return m.Text == "Claro! Qual dia?" && m.WaID == "5511988887777"
		})
	}, "the sandbox received the reply")
	p.shot("inbox")
}

// conversationID is the only conversation's id.
func (p *page) conversationID() string {
	p.t.Helper()
	var id int64
	require.NoError(p.t, p.env.App.DB.Read().QueryRow(context.Background(), `SELECT id FROM conversations`).Scan(&id))
	return strconv.FormatInt(id, 10)
}
