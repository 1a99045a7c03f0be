package browsertest

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// shots are the pages make screenshots saves besides those the other
// tests take: an admin opens each path ("{conversation}" is a chat with
// a text and a photo from a sandbox customer) and waits until the
// element matching wait shows. Add a page with one line.
var shots = []struct{ name, path, wait string }{
	{"chat-media", "/inbox/{conversation}", "#messages"},
}

// TestScreenshots saves the pages of shots (only under make screenshots).
func TestScreenshots(t *testing.T) {
	if os.Getenv("ZAPFLOW_SCREENSHOTS") == "" {
		t.Skip("only under make screenshots (ZAPFLOW_SCREENSHOTS)")
	}
	p := start(t)
	p.user("admin@example.com", "admin")
	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Segue o comprovante do pagamento")
	require.NoError(t, err)
	_, err = p.env.App.Sandbox.CustomerSendsImage(sender, "+5511988887777", "Carla Cliente", "comprovante.png")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM messages`) == 2 }, "the messages are stored")
	p.login("admin@example.com")
	for _, s := range shots {
		p.goTo(strings.ReplaceAll(s.path, "{conversation}", p.conversationID()))
		p.waitVisible(s.wait)
		p.shot(s.name)
	}
}
