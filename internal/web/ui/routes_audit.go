package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
)

// registerAudit adds the audit log page: admins only, like the API's.
func (u *UI) registerAudit(mux *http.ServeMux) {
	mux.Handle("GET /audit", u.signedIn(u.adminOnly(u.auditPage)))
}

// adminOnly runs h for admins and shows everyone else the not-allowed
// page.
func (u *UI) adminOnly(h func(w http.ResponseWriter, r *http.Request)) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if userFrom(r.Context()).Role != agent.RoleAdmin {
			ctx := withLocale(r.Context(), locale(r))
			render(w, r.WithContext(ctx), http.StatusForbidden, forbiddenView(u.chrome(ctx)))
			return
		}
		h(w, r)
	}
}
