package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
)

// registerLeads adds the leads pages: the list, one lead, the report and
// the sources. Any signed-in user sees leads; editing a lead or the
// sources needs manage_leads and (re)assigning needs assign, checked on
// the server on every post (the pages only hide what a user cannot do).
func (u *UI) registerLeads(mux *http.ServeMux) {
	view := func(h func(w http.ResponseWriter, r *http.Request)) http.Handler {
		return u.signedIn(leadsLocale(h))
	}
	edit := func(perm string, h func(w http.ResponseWriter, r *http.Request)) http.Handler {
		return u.guard(u.signedIn(leadsLocale(u.needs(perm, h))))
	}
	mux.Handle("GET /leads", view(u.leadsPage))
	mux.Handle("GET /leads/list", view(u.leadsListFragment))
	mux.Handle("GET /leads/report", view(u.leadReportPage))
	mux.Handle("GET /leads/report.csv", view(u.leadReportCSV))
	mux.Handle("GET /leads/sources", u.signedIn(leadsLocale(u.needs(agent.PermManageLeads, u.leadSourcesPage))))
	mux.Handle("POST /leads/sources", edit(agent.PermManageLeads, u.addLeadSource))
	mux.Handle("POST /leads/sources/{id}/rename", edit(agent.PermManageLeads, u.renameLeadSource))
	mux.Handle("POST /leads/sources/{id}/delete", edit(agent.PermManageLeads, u.removeLeadSource))
	mux.Handle("GET /leads/{id}", view(u.leadPage))
	mux.Handle("POST /leads/{id}", edit(agent.PermManageLeads, u.saveLead))
	mux.Handle("POST /leads/{id}/assign", edit(agent.PermAssign, u.assignLead))
	mux.Handle("POST /inbox/{id}/lead", edit(agent.PermManageLeads, u.chatLeadChange))
}

// leadsLocale puts the user's language in the request and bounds and
// parses a posted form.
func leadsLocale(h func(w http.ResponseWriter, r *http.Request)) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(withLocale(r.Context(), locale(r)))
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
		}
		h(w, r)
	}
}
