package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
)

// doneKeys are the confirmations a users page may show (anything else
// in ?done= is ignored).
var doneKeys = map[string]bool{"created": true, "saved": true, "deactivated": true, "reactivated": true, "password": true}

// editUserPage shows one user's form, state and password reset.
func (u *UI) editUserPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	target, ok := u.loadUser(w, r)
	if !ok {
		return
	}
	d := u.editData(r, target)
	if done := r.URL.Query().Get("done"); doneKeys[done] {
		d.Done = done
	}
	render(w, r, http.StatusOK, userFormView(d))
}

func (u *UI) editData(r *http.Request, target agent.User) userFormData {
	ctx := r.Context()
	return userFormData{Chrome: u.chrome(ctx), User: target, Self: target.ID == userFrom(ctx).ID}
}

// loadUser reads the {id} user; false means it answered already.
func (u *UI) loadUser(w http.ResponseWriter, r *http.Request) (agent.User, bool) {
	id := userID(r)
	if id == 0 {
		http.Error(w, t(r.Context(), "users.err.not_found"), http.StatusNotFound)
		return agent.User{}, false
	}
	target, err := u.Agents.GetUser(r.Context(), id)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		http.Error(w, t(r.Context(), "users.err.not_found"), http.StatusNotFound)
		return target, false
	}
	if err != nil {
		u.fail(w, r, err)
		return target, false
	}
	return target, true
}

// saveUser applies the edit form: name, role, permissions, away.
func (u *UI) saveUser(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := r.PostForm
	perms := f["permissions"]
	if perms == nil {
		perms = []string{}
	}
	name, role, away := f.Get("name"), f.Get("role"), f.Get("away") == "on"
	u.change(w, r, agent.UserChange{Name: &name, Role: &role, Permissions: &perms, Away: &away}, "saved", func(shown *agent.User) {
		shown.Name, shown.Role, shown.Permissions, shown.Away = strings.TrimSpace(name), role, perms, away
	})
}

// setUserActive deactivates (every session ends, API keys stop) or
// reactivates a user.
func (u *UI) setUserActive(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	active := r.PostForm.Get("active") == "true"
	done := "deactivated"
	if active {
		done = "reactivated"
	}
	u.change(w, r, agent.UserChange{Active: &active}, done, nil)
}

// resetUserPassword sets another user's password; their sessions end.
func (u *UI) resetUserPassword(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	pw := r.PostForm.Get("password")
	u.change(w, r, agent.UserChange{Password: &pw}, "password", nil)
}

// change runs one edit of the {id} user and goes back to their page; a
// refusal re-renders it with the problem next to its field (show, when
// set, puts what was posted back into the form). The form is parsed.
func (u *UI) change(w http.ResponseWriter, r *http.Request, ch agent.UserChange, done string, show func(*agent.User)) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	target, ok := u.loadUser(w, r)
	if !ok {
		return
	}
	updated, err := u.Agents.UpdateUser(ctx, userFrom(ctx).Principal(), target.ID, ch)
	if err != nil {
		problems, ok := userProblem(ctx, err)
		if !ok {
			u.fail(w, r, err)
			return
		}
		d := u.editData(r, target)
		if show != nil {
			show(&d.User)
		}
		d.Errors = problems
		render(w, r, http.StatusUnprocessableEntity, userFormView(d))
		return
	}
	u.audit(r, agent.AuditUsers, ch.Summary(updated))
	if target.ID == userFrom(ctx).ID && ch.Password != nil {
		// A reset of one's own password from here ends this session too:
		// log in again with the new one.
		u.clearCookie(w)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/users/"+strconv.FormatInt(target.ID, 10)+"?done="+done, http.StatusSeeOther)
}
