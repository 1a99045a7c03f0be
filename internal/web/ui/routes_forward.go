package ui

import "net/http"

// registerForward adds the webhook forwarding panel's other actions and
// its delivery log (the panel itself is in registerSettings). Every route
// needs the manage-settings permission (settingsRoute).
func (u *UI) registerForward(mux *http.ServeMux) {
	mux.Handle("POST /settings/forwarding/rotate-secret", u.guard(u.settingsRoute(u.rotateForwardSecret)))
	mux.Handle("GET /settings/forwarding/deliveries", u.settingsRoute(u.forwardDeliveriesPage))
	mux.Handle("POST /settings/forwarding/deliveries/{id}/resend", u.guard(u.settingsRoute(u.resendForwardDelivery)))
}
