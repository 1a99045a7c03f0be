package ui

import "net/http"

// registerLive adds the live pages and actions to mux.
func (u *UI) registerLive(mux *http.ServeMux) {}
