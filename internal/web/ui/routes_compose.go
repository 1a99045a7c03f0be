package ui

import "net/http"

// registerCompose adds the compose pages and actions to mux.
func (u *UI) registerCompose(mux *http.ServeMux) {}
