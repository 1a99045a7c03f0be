package browsertest

import (
	"context"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/store"
)

// TestClosedWindowSendsATemplate shows a chat whose 24-hour window has
// closed offers no free text but the template picker: the agent picks a
// template, fills its variables, sees the preview and sends it, and the
// sandbox receives the template with those values.
func TestClosedWindowSendsATemplate(t *testing.T) {
	p := start(t)
	p.user("ana@example.com", "agent")
	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Obrigada!")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM conversations`) == 1 }, "the conversation is stored")
	p.eventually(func() bool {
		return p.env.Count(`SELECT COUNT(*) FROM templates WHERE name = 'call_followup' AND status = 'APPROVED'`) == 1
	}, "the sandbox's templates are synced")
	// A day and a minute later: the window has closed.
	require.NoError(t, p.env.App.DB.InTx(context.Background(), func(tx store.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE conversations SET window_expires_at = 1`)
		return err
	}))

	p.login("ana@example.com")
	p.goTo("/inbox/" + p.conversationID() + "?template=call_followup|pt_BR")
	p.waitVisible("#tpl-choice")
	require.Zero(t, p.env.Count(`SELECT COUNT(*) FROM messages WHERE direction = 'out'`))
	require.NotContains(t, p.text(), "Enter sends", "no free text outside the window")
	p.do(chromedp.SendKeys(chromedp.CSS(`fieldset.tpl-vars:not([hidden]) input[name="var.1"]`), "Bruna"),
		chromedp.SendKeys(chromedp.CSS(`fieldset.tpl-vars:not([hidden]) input[name="var.2"]`), "Carlos"))
	p.waitText("#tpl-preview", "Bruna")
	p.submit(chromedp.Click(chromedp.CSS(`form.template button[value="send"]`)))
	p.eventually(func() bool {
		return slices.ContainsFunc(p.env.App.Sandbox.Sent(), func(m sandbox.SentMessage) bool {
			return m.TemplateName == "call_followup" && slices.Equal(m.Params, []string{"Bruna", "Carlos"})
		})
	}, "the sandbox received the template with its variables")
}
