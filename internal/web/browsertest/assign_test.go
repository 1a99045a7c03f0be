package browsertest

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/settings"
)

// TestRestrictedChatMovesWithReassignment turns on "restrict chats to the
// assigned agent": the chat assigned to Bia is missing from Caio's inbox
// and its page is not found for him; an admin reassigns it to Caio from
// the chat header, and then Caio sees it and the history shows the move.
func TestRestrictedChatMovesWithReassignment(t *testing.T) {
	p := start(t)
	ctx := context.Background()
	p.user("admin@example.com", "admin")
	p.user("bia@example.com", "agent")
	p.user("caio@example.com", "agent")
	require.NoError(t, settings.Put(ctx, p.env.App.Settings, agent.KeySupportAgents, agent.SupportAgentsSettings{RestrictToAssigned: true}))
	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Preciso de ajuda com meu pedido")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM conversations`) == 1 }, "the conversation is stored")
	conv := p.conversationID()
	var bia, caio int64
	require.NoError(t, p.env.App.DB.Read().QueryRow(ctx, `SELECT id FROM users WHERE email = 'bia@example.com'`).Scan(&bia))
	require.NoError(t, p.env.App.DB.Read().QueryRow(ctx, `SELECT id FROM users WHERE email = 'caio@example.com'`).Scan(&caio))

	p.login("admin@example.com")
	p.goTo("/inbox/" + conv)
	p.submit(chromedp.SetValue(chromedp.ID("assign-user"), strconv.FormatInt(bia, 10)), chromedp.Submit(chromedp.ID("assign-user")))
	p.waitText(".chat-head", "Agent bia@example.com")

	c := p.secondBrowser()
	c.login("caio@example.com")
	c.goTo("/inbox")
	c.waitVisible("main")
	require.NotContains(t, c.text(), "Carla Cliente", "Bia's chat is not in Caio's list")
	c.goTo("/inbox/" + conv)
	require.NotContains(t, c.text(), "Preciso de ajuda", "nor can he open it")

	p.goTo("/inbox/" + conv)
	p.submit(chromedp.SetValue(chromedp.ID("assign-user"), strconv.FormatInt(caio, 10)), chromedp.Submit(chromedp.ID("assign-user")))
	p.waitText(".chat-head", "Agent caio@example.com")
	_, err = chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.querySelector("#assign-history").closest("details").open = true`))
	require.NoError(t, err)
	p.waitText("#assign-history", "Agent caio@example.com")

	c.goTo("/inbox/" + conv)
	c.waitText("#messages", "Preciso de ajuda com meu pedido")
	require.True(t, strings.Contains(c.text(), "Carla Cliente"))
}
