package ui

import "net/http"

// registerPrivacy adds a contact's data export and erasure (LGPD/GDPR
// requests) to the contact page: admins only, as in the API.
func (u *UI) registerPrivacy(mux *http.ServeMux) {
	admin := func(h func(w http.ResponseWriter, r *http.Request)) http.Handler {
		return u.signedIn(localized(u.adminOnly(h)))
	}
	mux.Handle("GET /contacts/{id}/export.zip", admin(u.exportContactData))
	mux.Handle("POST /contacts/{id}/erase", u.guard(admin(u.eraseContactData)))
}
