// Package browsertest drives the web app in a real browser (Debian's
// chromium through chromedp): log in, read the inbox, play a sandbox
// customer, and save screenshots for the README. Its tests share one
// headless browser; each test gets its own zapflow and its own browser
// context (cookies included), so tests run in parallel without seeing
// each other's sessions.
//
// Adding a test takes a few lines (see harness_test.go):
//
//	p := start(t)                       // zapflow + a fresh browser tab
//	p.user("ana@example.com", "admin")  // a user who can log in
//	p.login("ana@example.com")
//	p.goTo("/settings")
//	p.waitText("h1", "Settings")
//	p.shot("settings")                  // docs/screenshots/settings.png under make screenshots
//
// Chromium is found as $ZAPFLOW_CHROMIUM, else chromium, chromium-browser
// or google-chrome on PATH. Without it the tests fail in CI (CI=true) and
// are skipped elsewhere.
package browsertest
