package ui

import "net/http"

// registerUsers adds the users pages and actions to mux.
func (u *UI) registerUsers(mux *http.ServeMux) {}
