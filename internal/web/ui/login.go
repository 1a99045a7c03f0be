package ui

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
)

// maxFormBody bounds every form post.
const maxFormBody = 64 << 10

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	render(w, r.WithContext(ctx), http.StatusOK, loginView("", safeNext(r.URL.Query().Get("next")), ""))
}

// login checks the password, within the login limits, and starts a session.
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	setPageHeaders(w)
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	email, password, next := r.PostForm.Get("email"), r.PostForm.Get("password"), safeNext(r.PostForm.Get("next"))
	ip := clientIP(r)
	if err := u.Agents.CheckLoginAllowed(ctx, email, ip); err != nil {
		if ae, ok := apperr.As(err); ok && ae.Code == agent.CodeLoginLimited {
			render(w, r, http.StatusTooManyRequests, loginView(email, next, t(ctx, "login.limited")))
			return
		}
		u.fail(w, r, err)
		return
	}
	user, err := u.Agents.Authenticate(ctx, email, password)
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindUnauthorized {
			if err := u.Agents.RecordLoginFailure(ctx, email, ip); err != nil {
				u.fail(w, r, err)
				return
			}
			render(w, r, http.StatusUnauthorized, loginView(email, next, t(ctx, "login.wrong")))
			return
		}
		u.fail(w, r, err)
		return
	}
	if err := u.Agents.ClearLoginFailures(ctx, email); err != nil {
		u.fail(w, r, err)
		return
	}
	token, err := u.Agents.CreateSession(ctx, user.ID, ip, r.UserAgent())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.setCookie(w, token)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session.
func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := u.Agents.EndSession(r.Context(), c.Value); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	u.clearCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
