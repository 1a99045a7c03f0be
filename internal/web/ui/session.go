package ui

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/zapflow/zapflow/internal/agent"
)

// sessionCookie names the browser session cookie.
const sessionCookie = "zapflow_session"

type userKey struct{}

// userFrom returns the signed-in user of a request that went through
// signedIn.
func userFrom(ctx context.Context) agent.User {
	u, _ := ctx.Value(userKey{}).(agent.User)
	return u
}

// signedIn runs h for a live session's user; anyone else is sent to the
// login page (or answered 401, for scripts).
func (u *UI) signedIn(h func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPageHeaders(w)
		var token string
		if c, err := r.Cookie(sessionCookie); err == nil {
			token = c.Value
		}
		user, err := u.Agents.SessionUser(r.Context(), token)
		if err != nil {
			if !errors.Is(err, agent.ErrNoSession) {
				u.Log.Error("reading a session", "err", err)
			}
			u.clearCookie(w)
			if r.Method == http.MethodGet && !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "log in to continue", http.StatusUnauthorized)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
}

func (u *UI) setCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: u.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(agent.SessionMax.Seconds())})
}

func (u *UI) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: u.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// clientIP is the address login limits count by: the connection's peer.
// (Behind a proxy every login shares the proxy's address, which makes the
// per-address limit stricter, never looser.)
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/inbox"
	}
	return next
}
