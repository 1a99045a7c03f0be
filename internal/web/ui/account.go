package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
)

// accountData is what the signed-in user's own account page shows.
type accountData struct {
	Chrome chrome
	User   agent.User
	// SoundDefault is the team's default, shown beside "follow the default".
	SoundDefault bool
	Errors       fieldErrors
	Done         string // "password" or "preferences"
}

// accountPage lets anyone signed in change their password, language,
// notification sound and away state.
func (u *UI) accountPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	d, err := u.accountData(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if done := r.URL.Query().Get("done"); done == "password" || done == "preferences" {
		d.Done = done
	}
	render(w, r, http.StatusOK, accountView(d))
}

func (u *UI) accountData(r *http.Request) (accountData, error) {
	ctx := r.Context()
	n, err := agent.Notifications(ctx, u.Settings, u.DB.Read())
	return accountData{Chrome: u.chrome(ctx), User: userFrom(ctx), SoundDefault: n.SoundDefault}, err
}

// changeOwnPassword needs the current password; the user's other
// sessions end and this one stays.
func (u *UI) changeOwnPassword(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	if !parseForm(w, r) {
		return
	}
	f := r.PostForm
	var problems fieldErrors
	if f.Get("new_password") != f.Get("confirm_password") {
		problems = fieldErrors{"confirm_password": t(ctx, "account.err.confirm")}
	} else {
		var token string
		if c, err := r.Cookie(sessionCookie); err == nil {
			token = c.Value
		}
		err := u.Agents.ChangeOwnPassword(ctx, userFrom(ctx).ID, f.Get("current_password"), f.Get("new_password"), token)
		if err == nil {
			http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
			return
		}
		var ok bool
		if problems, ok = userProblem(ctx, err); !ok {
			u.fail(w, r, err)
			return
		}
		if msg, ok := problems["password"]; ok {
			problems = fieldErrors{"new_password": msg}
		}
	}
	u.accountProblem(w, r, problems)
}

// saveOwnPreferences sets language, sound and away.
func (u *UI) saveOwnPreferences(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	if !parseForm(w, r) {
		return
	}
	f := r.PostForm
	me := userFrom(ctx)
	lang, sound, away := f.Get("locale"), f.Get("sound"), f.Get("away") == "on"
	if _, err := u.Agents.UpdateUser(ctx, me.Principal(), me.ID, agent.UserChange{Locale: &lang, Sound: &sound, Away: &away}); err != nil {
		problems, ok := userProblem(ctx, err)
		if !ok {
			u.fail(w, r, err)
			return
		}
		u.accountProblem(w, r, problems)
		return
	}
	http.Redirect(w, r, "/account?done=preferences", http.StatusSeeOther)
}

func (u *UI) accountProblem(w http.ResponseWriter, r *http.Request, problems fieldErrors) {
	d, err := u.accountData(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Errors = problems
	render(w, r, http.StatusUnprocessableEntity, accountView(d))
}
