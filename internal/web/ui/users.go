package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
)

// usersData is what the users list shows.
type usersData struct {
	Chrome chrome
	Users  []agent.User
	Me     int64
}

// usersPage lists every user with role, permissions and state.
func (u *UI) usersPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	users, err := u.Agents.ListUsers(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, usersView(usersData{Chrome: u.chrome(ctx), Users: users, Me: userFrom(ctx).ID}))
}
