package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
)

// registerUsers adds the users pages (manage_users) and the signed-in
// user's own account page to mux. Every post is guarded against other
// sites and checks the permission again on the server.
func (u *UI) registerUsers(mux *http.ServeMux) {
	manage := func(h func(w http.ResponseWriter, r *http.Request)) http.Handler {
		return u.signedIn(u.needs(agent.PermManageUsers, h))
	}
	mux.Handle("GET /users", manage(u.usersPage))
	mux.Handle("GET /users/new", manage(u.newUserPage))
	mux.Handle("POST /users", u.guard(manage(u.createUser)))
	mux.Handle("GET /users/{id}", manage(u.editUserPage))
	mux.Handle("POST /users/{id}", u.guard(manage(u.saveUser)))
	mux.Handle("POST /users/{id}/active", u.guard(manage(u.setUserActive)))
	mux.Handle("POST /users/{id}/password", u.guard(manage(u.resetUserPassword)))

	mux.Handle("GET /account", u.signedIn(u.accountPage))
	mux.Handle("POST /account/password", u.guard(u.signedIn(u.changeOwnPassword)))
	mux.Handle("POST /account/preferences", u.guard(u.signedIn(u.saveOwnPreferences)))
}
