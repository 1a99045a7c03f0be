package browsertest

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestLoginAsAdmin shows the printed URL's way in: / leads to the login
// page, the admin's password opens the inbox, which tells a newcomer how
// the first customer writes in and links to the sandbox page.
func TestLoginAsAdmin(t *testing.T) {
	p := start(t)
	p.user("admin@example.com", "admin")
	p.goTo("/")
	p.waitText(".login h1", "zapflow")
	require.Equal(t, "/login?next=%2Finbox", p.location())
	p.shot("login")
	p.login("admin@example.com")
	require.Equal(t, "/inbox", p.location())
	// An admin has every page's link; on a 1280-pixel screen they wrap
	// and the log out button stays on screen.
	inView, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(() => {
		const b = document.querySelector(".top .logout button").getBoundingClientRect();
		return b.width > 0 && b.right <= window.innerWidth && document.documentElement.scrollWidth <= window.innerWidth;
	})()`))
	require.NoError(t, err)
	require.True(t, inView, "log out is within the window, nothing scrolls sideways")
	p.waitText(".conversations .hint", "sandbox is on")
	p.submit(chromedp.Click(chromedp.CSS(`a.start[href="/sandbox"]`)))
	p.waitText("h1", "Sandbox")
}

// TestWrongPasswordAndLoginLimit shows a wrong password is refused with
// its message, and after five wrong ones even the right password is
// refused for a while, with a message that says so.
func TestWrongPasswordAndLoginLimit(t *testing.T) {
	p := start(t)
	p.user("ana@example.com", "agent")
	p.logInWith("ana@example.com", "wrong password")
	p.waitText(`.login [role="alert"]`, "Wrong email or password.")
	for range 4 {
		p.logInWith("ana@example.com", "still wrong")
		p.waitText(`.login [role="alert"]`, "Wrong email or password.")
	}
	p.logInWith("ana@example.com", password)
	p.waitText(`.login [role="alert"]`, "Too many failed logins")
	require.Zero(t, p.env.Count(`SELECT COUNT(*) FROM sessions`))
}
