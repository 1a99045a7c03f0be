package ui

import (
	"context"
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
)

// fieldErrors maps a form field to the (translated) problem shown next
// to it; "" holds a problem of the whole form.
type fieldErrors map[string]string

// needs runs h only for a user with permission perm (agent.Perm*), the
// same rule the REST API applies to keys (User.Can); anyone else gets a
// 403 page, whatever the navigation showed them.
func (u *UI) needs(perm string, h func(w http.ResponseWriter, r *http.Request)) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if !userFrom(r.Context()).Can(perm) {
			ctx := withLocale(r.Context(), locale(r))
			render(w, r.WithContext(ctx), http.StatusForbidden, forbiddenView(u.chrome(ctx)))
			return
		}
		h(w, r)
	}
}

// parseForm reads a bounded form post; false means it answered already.
func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return false
	}
	return true
}

// userID is the {id} of a users page; 0 when it is not a number.
func userID(r *http.Request) int64 {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// userProblem turns a refusal of the agent service into a problem next
// to its field, in the page's language; ok is false for an unexpected
// error (the caller answers 500 without details).
func userProblem(ctx context.Context, err error) (fieldErrors, bool) {
	ae, ok := apperr.As(err)
	if !ok || ae.Kind == apperr.KindInternal {
		return nil, false
	}
	switch {
	case ae.Code == "user_exists":
		return fieldErrors{"email": t(ctx, "users.err.exists")}, true
	case ae.Code == agent.CodeLastAdmin:
		return fieldErrors{"": t(ctx, "users.err.last_admin")}, true
	case ae.Code == agent.CodeWrongPass:
		return fieldErrors{"current_password": t(ctx, "account.err.current")}, true
	case ae.Kind == apperr.KindForbidden && ae.Field == "permissions":
		return fieldErrors{"permissions": t(ctx, "users.err.grant")}, true
	case ae.Kind == apperr.KindForbidden:
		return fieldErrors{"": t(ctx, "users.err.only_admins")}, true
	case ae.Kind == apperr.KindNotFound:
		return fieldErrors{"": t(ctx, "users.err.not_found")}, true
	case ae.Kind == apperr.KindInvalid && ae.Field != "":
		key := "users.err." + ae.Field
		if ae.Field == "new_password" {
			key = "users.err.password"
		}
		return fieldErrors{ae.Field: t(ctx, key)}, true
	}
	return fieldErrors{"": ae.Message}, true
}

// permLabel is a permission's name on the pages.
func permLabel(ctx context.Context, p string) string { return t(ctx, "perm."+p) }

// roleLabel is a role's name on the pages.
func roleLabel(ctx context.Context, role string) string { return t(ctx, "role."+role) }
