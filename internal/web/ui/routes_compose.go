package ui

import "net/http"

// registerCompose adds the reply box's actions and the media of the chat
// to mux (the free-text reply itself, POST /inbox/{id}/reply, is
// registered with the inbox in ui.go and handled in compose.go).
func (u *UI) registerCompose(mux *http.ServeMux) {
	mux.Handle("POST /inbox/{id}/template", u.guard(u.signedIn(u.sendTemplate)))
	mux.Handle("POST /inbox/{id}/retry/{msg}", u.guard(u.signedIn(u.retry)))
	mux.Handle("POST /inbox/{id}/ai", u.guard(u.signedIn(u.aiSuggest)))
	mux.Handle("GET /inbox/{id}/media/{msg}", u.signedIn(u.media))
}
