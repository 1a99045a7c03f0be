package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestCrossSiteFormPostIsRefused shows a page on another origin that
// posts a form to /logout in the signed-in browser (the browser sends
// the session cookie: the origins are same-site) is refused, and the
// session stays.
func TestCrossSiteFormPostIsRefused(t *testing.T) {
	p := start(t)
	p.user("ana@example.com", "agent")
	p.login("ana@example.com")

	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><title>win a prize</title>
<form id="f" method="post" action="%s/logout"><input name="x" value="1"></form>
<script>document.getElementById("f").submit()</script>`, p.env.URL)
	}))
	t.Cleanup(evil.Close)
	require.NotEqual(t, evil.URL, p.env.URL)

	p.goTo("/inbox")
	p.do(chromedp.Navigate(evil.URL))
	p.waitText("body", "cross-origin")
	require.Equal(t, 1, p.env.Count(`SELECT COUNT(*) FROM sessions`), "still signed in")
	p.goTo("/inbox")
	p.waitText("header.top .who", "Agent ana@example.com")
}
