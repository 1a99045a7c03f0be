package ui

import "net/http"

// registerSandbox adds the sandbox page and its actions to mux. They live
// beside the simulator's own /sandbox/api (loopback JSON, no session) but
// are web app pages: they need a session and every post is guarded
// against other sites. All answer 404 while the sandbox is off.
func (u *UI) registerSandbox(mux *http.ServeMux) {
	mux.Handle("GET /sandbox", u.signedIn(u.sandboxOnly(u.sandboxPage)))
	mux.Handle("GET /sandbox/ui/chat", u.signedIn(u.sandboxOnly(u.sandboxChat)))
	mux.Handle("POST /sandbox/ui/send", u.guard(u.signedIn(u.sandboxOnly(u.sandboxSend))))
	mux.Handle("POST /sandbox/ui/tap", u.guard(u.signedIn(u.sandboxOnly(u.sandboxTap))))
	mux.Handle("POST /sandbox/ui/pick", u.guard(u.signedIn(u.sandboxOnly(u.sandboxPick))))
	mux.Handle("POST /sandbox/ui/switches", u.guard(u.signedIn(u.sandboxOnly(u.sandboxSwitch))))
}

// sandboxOnly answers 404 unless the sandbox runs now (it turns off
// without a restart once a real account exists).
func (u *UI) sandboxOnly(h func(w http.ResponseWriter, r *http.Request)) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if u.Sandbox == nil || !u.SandboxOn() {
			http.NotFound(w, r)
			return
		}
		h(w, r.WithContext(withLocale(r.Context(), locale(r))))
	}
}
