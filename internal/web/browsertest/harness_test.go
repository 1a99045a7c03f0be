package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/store"
)

const (
	// testTimeout bounds each test's browser work (a generous bound on a
	// loaded 2-core machine; it only matters when something hangs).
	testTimeout = 3 * time.Minute
	// waitTimeout bounds each wait for something to show on the page.
	waitTimeout = 60 * time.Second
	// The screenshot size (the README's pictures).
	shotWidth, shotHeight = 1280, 800
	// password is every test user's password.
	password = "correct horse battery"
)

// page is one zapflow and one browser tab signed in as nobody yet.
type page struct {
	t   *testing.T
	env *apptest.Env
	ctx context.Context // the tab's context, with the test's timeout
}

// start runs a zapflow (SQLite, sandbox on) and opens a tab in a browser
// context of its own: cookies never leak between tests.
func start(t *testing.T, opts ...apptest.Option) *page {
	t.Helper()
	t.Parallel()
	b := browser(t)
	env := apptest.Start(t, store.SQLite, opts...)
	return openTab(t, env, b, chromedp.WithNewBrowserContext())
}

// openTab opens a tab under parent (a browser, or a tab whose cookies it
// shares) on env.
func openTab(t *testing.T, env *apptest.Env, parent context.Context, opts ...chromedp.ContextOption) *page {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(parent, opts...)
	t.Cleanup(cancelTab)
	// The first run opens the tab; like the browser's, it carries no timeout.
	require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(shotWidth, shotHeight)))
	ctx, cancel := context.WithTimeout(tab, testTimeout)
	t.Cleanup(cancel)
	return &page{t: t, env: env, ctx: ctx}
}

// otherTab opens a second tab in the same browser context: the same
// signed-in user, looking at another page.
func (p *page) otherTab() *page {
	p.t.Helper()
	return openTab(p.t, p.env, p.ctx)
}

// secondBrowser opens a tab in a new browser context on the same zapflow:
// another person, with no cookies yet.
func (p *page) secondBrowser() *page {
	p.t.Helper()
	return openTab(p.t, p.env, browser(p.t), chromedp.WithNewBrowserContext())
}

// user creates a user with role ("admin" or "agent") and the test
// password; the name is "Agent <email>".
func (p *page) user(email, role string) {
	p.t.Helper()
	_, err := p.env.App.Agents.CreateUser(context.Background(), email, "Agent "+email, role, password)
	require.NoError(p.t, err)
}

// do runs browser actions, failing the test on error.
func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, actions...))
}

// goTo opens a path of the app and waits for the page to load.
func (p *page) goTo(path string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.url(path)))
}

func (p *page) url(path string) string { return p.env.URL + path }

// submit runs actions that submit a form and waits for the next page.
func (p *page) submit(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	_, err := chromedp.RunResponse(p.ctx, actions...)
	require.NoError(p.t, err)
}

// logInWith fills the login form and submits it.
func (p *page) logInWith(email, pass string) {
	p.t.Helper()
	p.goTo("/login")
	p.submit(
		chromedp.SetValue(chromedp.ID("email"), email),
		chromedp.SetValue(chromedp.ID("password"), pass),
		chromedp.Click(chromedp.CSS(`.login button[type="submit"]`)),
	)
}

// login signs in as email (created with user) and waits for the app.
func (p *page) login(email string) {
	p.t.Helper()
	p.logInWith(email, password)
	p.waitText("header.top .who", "Agent "+email)
}

// waitText waits until the element matching css shows text.
func (p *page) waitText(css, text string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.PollFunction[bool](
		`(css, text) => [...document.querySelectorAll(css)].some(e => e.checkVisibility() && e.textContent.includes(text))`,
		chromedp.WithPollingArgs(css, text), chromedp.WithPollingTimeout(waitTimeout), chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		body, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		p.t.Fatalf("waiting for %q in %s: %v\nthe page shows:\n%s", text, css, err, body)
	}
}

// text returns the visible text of the page.
func (p *page) text() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	require.NoError(p.t, err)
	return s
}

// location is the tab's current URL path and query.
func (p *page) location() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Location())
	require.NoError(p.t, err)
	return strings.TrimPrefix(s, p.env.URL)
}

// shot saves a screenshot of the tab as <name>.png into the folder named
// by ZAPFLOW_SCREENSHOTS (make screenshots); otherwise it does nothing.
func (p *page) shot(name string) {
	p.t.Helper()
	dir := os.Getenv("ZAPFLOW_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	require.NoError(p.t, err)
	require.NoError(p.t, os.MkdirAll(dir, 0o755))
	require.NoError(p.t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// waitVisible waits until an element matching css is visible.
func (p *page) waitVisible(css string) {
	p.t.Helper()
	p.do(chromedp.WaitVisible(chromedp.CSS(css)))
}

// eventually waits until cond holds, checking every 50 ms for up to
// waitTimeout (longer than apptest's bound: a browser test's server
// shares the machine with the browser and the other tests).
func (p *page) eventually(cond func() bool, msg string) {
	p.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting: %s", msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
