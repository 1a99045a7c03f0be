package ui

import "net/http"

// registerSandbox adds the sandbox pages and actions to mux.
func (u *UI) registerSandbox(mux *http.ServeMux) {}
