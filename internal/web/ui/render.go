package ui

import (
	"bytes"
	"context"
	"net/http"

	"github.com/a-h/templ"
)

// render writes a page with status, rendering it fully first so a
// template error never leaves half a page.
func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail logs an unexpected error and answers without its details.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	u.Log.Error("web app request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	http.Error(w, "something went wrong on our side; it was logged", http.StatusInternalServerError)
}

// langOf is the page's lang attribute.
func langOf(ctx context.Context) string {
	if l, _ := ctx.Value(localeKey{}).(string); l != "" {
		return l
	}
	return "en"
}
