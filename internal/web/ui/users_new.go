package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/agent"
)

// userFormData is what the new-user and edit-user forms show: the values
// (the user, or what was just posted) and the problems next to fields.
type userFormData struct {
	Chrome chrome
	User   agent.User
	New    bool
	Errors fieldErrors
	// Done names what the last action did ("saved", "deactivated"…), to
	// confirm it at the top of the page.
	Done string
	// Self: the signed-in user edits themselves (no deactivating oneself
	// from here; the last admin rule still applies to role changes).
	Self bool
}

func (u *UI) newUserPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	render(w, r, http.StatusOK, userFormView(userFormData{Chrome: u.chrome(ctx), New: true, User: agent.User{Role: agent.RoleAgent}}))
}

// createUser adds a user from the form; a refusal shows next to its
// field with what was typed kept (the password excepted).
func (u *UI) createUser(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	if !parseForm(w, r) {
		return
	}
	f := r.PostForm
	in := agent.NewUser{Email: f.Get("email"), Name: f.Get("name"), Role: f.Get("role"), Password: f.Get("password"),
		Permissions: f["permissions"]}
	created, err := u.Agents.AddUser(ctx, userFrom(ctx).Principal(), in)
	if err != nil {
		problems, ok := userProblem(ctx, err)
		if !ok {
			u.fail(w, r, err)
			return
		}
		shown := agent.User{Email: strings.TrimSpace(in.Email), Name: in.Name, Role: in.Role, Permissions: in.Permissions}
		render(w, r, http.StatusUnprocessableEntity, userFormView(userFormData{Chrome: u.chrome(ctx), New: true, User: shown, Errors: problems}))
		return
	}
	u.audit(r, agent.AuditUsers, agent.AddedSummary(created))
	http.Redirect(w, r, "/users/"+strconv.FormatInt(created.ID, 10)+"?done=created", http.StatusSeeOther)
}
