package ui

import "net/http"

// registerSettings adds the settings pages and actions to mux.
func (u *UI) registerSettings(mux *http.ServeMux) {}
