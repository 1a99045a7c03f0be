package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
)

// registerContacts adds the contacts pages to mux: every signed-in user
// reads them; adding, editing and importing need manage_leads (checked
// on the server for every post, whatever the page showed).
func (u *UI) registerContacts(mux *http.ServeMux) {
	read := func(h func(w http.ResponseWriter, r *http.Request)) http.Handler {
		return u.signedIn(localized(h))
	}
	write := func(h func(w http.ResponseWriter, r *http.Request)) http.Handler {
		return u.signedIn(localized(u.needs(agent.PermManageLeads, h)))
	}
	mux.Handle("GET /contacts", read(u.contactsPage))
	mux.Handle("POST /contacts", u.guard(write(u.createContact)))
	mux.Handle("GET /contacts/export.csv", read(u.exportContacts))
	mux.Handle("GET /contacts/import", write(u.importPage))
	mux.Handle("POST /contacts/import", u.guard(write(u.importContacts)))
	mux.Handle("GET /contacts/{id}", read(u.contactPage))
	mux.Handle("POST /contacts/{id}", u.guard(write(u.saveContact)))
}

// localized runs h in the request's language.
func localized(h func(w http.ResponseWriter, r *http.Request)) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		h(w, r.WithContext(withLocale(r.Context(), locale(r))))
	}
}
