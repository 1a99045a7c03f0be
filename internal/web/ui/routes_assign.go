package ui

import "net/http"

// registerAssign adds the assign pages and actions to mux.
func (u *UI) registerAssign(mux *http.ServeMux) {}
