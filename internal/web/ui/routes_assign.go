package ui

import "net/http"

// registerAssign adds the team's chat actions (assign, resolve, reopen,
// notes) and the per-agent table to mux.
func (u *UI) registerAssign(mux *http.ServeMux) {
	mux.Handle("POST /inbox/{id}/assign", u.guard(u.signedIn(u.assignChat)))
	mux.Handle("POST /inbox/{id}/resolve", u.guard(u.signedIn(u.resolveChat)))
	mux.Handle("POST /inbox/{id}/reopen", u.guard(u.signedIn(u.reopenChat)))
	mux.Handle("POST /inbox/{id}/notes", u.guard(u.signedIn(u.addNote)))
	mux.Handle("GET /inbox/agents", u.signedIn(u.agentStatsPage))
}
