package ui

import "net/http"

// registerLive adds the live parts: the event stream and the fragments
// live.js fetches when an event arrives.
func (u *UI) registerLive(mux *http.ServeMux) {
	mux.Handle("GET /events", u.signedIn(u.events))
	mux.Handle("GET /inbox/list", u.signedIn(u.listFragment))
	mux.Handle("GET /inbox/{id}/messages", u.signedIn(u.olderMessages))
	mux.Handle("GET /inbox/{id}/messages/{mid}", u.signedIn(u.messageFragment))
}
