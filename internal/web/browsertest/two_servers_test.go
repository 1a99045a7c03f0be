package browsertest

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// TestMessageReachesABrowserOnTheOtherServer runs two zapflows on one
// PostgreSQL database: a customer message received by the first appears,
// without a reload, in a browser connected to the second.
func TestMessageReachesABrowserOnTheOtherServer(t *testing.T) {
	if os.Getenv(storetest.PostgresURLEnv) == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(storetest.PostgresURLEnv + " must be set in CI")
		}
		t.Skip(storetest.PostgresURLEnv + " not set (CI sets it)")
	}
	t.Parallel()
	one := apptest.Start(t, store.Postgres)
	two := apptest.Start(t, store.Postgres, apptest.SameDatabase(one))
	p := openTab(t, two, browser(t), chromedp.WithNewBrowserContext())
	p.user("ana@example.com", "agent")

	sender := one.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := one.App.Sandbox.CustomerWrites(sender, "+5511966665555", "Duda", "Oi, servidor um")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM messages`) == 1 }, "the first message is stored")
	p.login("ana@example.com")
	p.goTo("/inbox/" + p.conversationID())
	p.waitText("#messages", "Oi, servidor um")

	_, err = one.App.Sandbox.CustomerWrites(sender, "+5511966665555", "Duda", "Chegou pelo outro servidor?")
	require.NoError(t, err)
	p.waitText("#messages", "Chegou pelo outro servidor?")
}
