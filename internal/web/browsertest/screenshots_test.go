package browsertest

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/lead"
)

// pages are the web app's pages an admin opens in TestEveryPageRenders:
// the path ("{conversation}" is a chat with a text and a photo from a
// sandbox customer, "{lead}" that customer's lead), an element that must show, and the screenshot's name
// under make screenshots. Add a page with one line.
var pages = []struct{ name, path, wait string }{
	{"chat-media", "/inbox/{conversation}", "#messages img"},
	{"settings", "/settings", ".settings"},
	{"settings-ai", "/settings/ai", ".settings form"},
	{"settings-assistant", "/settings/assistant", ".settings form"},
	{"settings-stop-bot", "/settings/stop-bot", ".settings form"},
	{"settings-opt-out", "/settings/opt-out", ".settings form"},
	{"settings-sound", "/settings/sound", ".settings form"},
	{"settings-support-agents", "/settings/support-agents", ".settings form"},
	{"settings-prompts", "/settings/prompts", ".settings form"},
	{"settings-leads", "/settings/leads", ".settings form"},
	{"settings-cleanup", "/settings/cleanup", ".settings form"},
	{"users", "/users", ".users-table"},
	{"account", "/account", "main form"},
	{"accounts", "/accounts", ".account-card"},
	{"account-new", "/accounts/new", ".account-form"},
	{"audit", "/audit", ".audit-page"},
	{"contacts", "/contacts", ".contacts-table"},
	{"contacts-import", "/contacts/import", ".contact-form"},
	{"flows", "/flows", ".flows-table"},
	{"flow-example", "/flows/1", "svg.flow-diagram"},
	{"flow-versions", "/flows/1/versions", ".diff"},
	{"runs-search", "/runs", ".run-search"},
	{"leads", "/leads", ".leads-table"},
	{"lead", "/leads/{lead}", ".lead-form"},
	{"leads-report", "/leads/report", ".lead-report svg"},
	{"lead-sources", "/leads/sources", ".sources-table"},
	{"campaigns", "/campaigns", ".campaigns-head"},
	{"campaign-new", "/campaigns/new", ".campaign-form"},
	{"settings-campaigns", "/settings/campaigns", ".settings form"},
}

// TestEveryPageRenders opens every page of pages in the browser as an
// admin and waits for its content (its CSS and scripts load under the
// strict content security policy); under make screenshots it saves each.
func TestEveryPageRenders(t *testing.T) {
	p := start(t)
	p.user("admin@example.com", "admin")
	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Segue o comprovante do pagamento")
	require.NoError(t, err)
	_, err = p.env.App.Sandbox.CustomerSendsImage(sender, "+5511988887777", "Carla Cliente", "comprovante.png")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM messages`) == 2 }, "the messages are stored")
	contact := p.env.Count(`SELECT id FROM contacts`)
	l, err := p.env.App.Leads.Create(context.Background(), lead.NewLead{ContactID: int64(contact), Tags: []string{"vip"}}, lead.Actor{Kind: lead.ByFlow})
	require.NoError(t, err)
	p.login("admin@example.com")
	for _, s := range pages {
		path := strings.ReplaceAll(s.path, "{conversation}", p.conversationID())
		p.goTo(strings.ReplaceAll(path, "{lead}", strconv.FormatInt(l.ID, 10)))
		p.waitVisible(s.wait)
		p.shot(s.name)
	}
}
