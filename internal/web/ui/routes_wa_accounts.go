package ui

import "net/http"

// registerWAAccounts adds the WhatsApp accounts, senders and templates
// pages. Connecting and changing accounts and numbers is for admins (as
// in the API); every signed-in user may read the templates.
func (u *UI) registerWAAccounts(mux *http.ServeMux) {
	admin := func(h func(w http.ResponseWriter, r *http.Request)) http.Handler {
		return u.signedIn(u.adminOnly(h))
	}
	mux.Handle("GET /accounts", admin(u.waAccountsPage))
	mux.Handle("GET /accounts/new", admin(u.newWAAccountPage))
	mux.Handle("POST /accounts", u.guard(admin(u.createWAAccount)))
	mux.Handle("GET /accounts/{id}", admin(u.waAccountPage))
	mux.Handle("POST /accounts/{id}", u.guard(admin(u.saveWAAccount)))
	mux.Handle("POST /accounts/{id}/check", u.guard(admin(u.checkWAAccount)))
	mux.Handle("POST /accounts/{id}/senders", u.guard(admin(u.addSender)))
	mux.Handle("POST /accounts/{id}/senders/{sender}", u.guard(admin(u.saveSender)))
	mux.Handle("POST /accounts/{id}/senders/{sender}/check", u.guard(admin(u.checkSenderNow)))
	mux.Handle("GET /templates", u.signedIn(u.templatesPage))
}
