package ui

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/privacy"
)

// exportContactData downloads everything zapflow holds about the contact
// as a ZIP (the same file as GET /api/v1/contacts/{id}/export).
func (u *UI) exportContactData(w http.ResponseWriter, r *http.Request) {
	c, ok := u.loadContact(w, r)
	if !ok {
		return
	}
	e, err := u.Privacy.Prepare(r.Context(), c.ID)
	if err != nil {
		u.privacyRefused(w, r, err)
		return
	}
	u.Log.Info("contact data exported", "contact_id", c.ID, "user_id", userFrom(r.Context()).ID)
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.Filename()+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := e.WriteTo(r.Context(), w); err != nil {
		// The download has begun: cutting the connection makes the browser
		// show a failed download instead of a ZIP that looks whole.
		u.Log.Error("exporting contact data", "contact_id", c.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// eraseContactData deletes everything about the contact once the admin
// typed their phone number again; the contact page then no longer exists.
func (u *UI) eraseContactData(w http.ResponseWriter, r *http.Request) {
	c, ok := u.loadContact(w, r)
	if !ok || !parseForm(w, r) {
		return
	}
	_, err := u.Privacy.Erase(r.Context(), c.ID, r.PostForm.Get("confirm"), privacy.Actor{UserID: userFrom(r.Context()).ID})
	if err != nil {
		ae, named := apperr.As(err)
		if !named || ae.Kind == apperr.KindInternal {
			u.fail(w, r, err)
			return
		}
		d, derr := u.contactData(r.Context(), c)
		if derr != nil {
			u.fail(w, r, derr)
			return
		}
		d.Errors["confirm"] = ae.Message
		if ae.Code == "confirmation_mismatch" {
			d.Errors["confirm"] = t(r.Context(), "contacts.erase.mismatch")
		}
		render(w, r, http.StatusUnprocessableEntity, contactView(d))
		return
	}
	http.Redirect(w, r, "/contacts?erased="+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

// privacyRefused answers an export the service refused (busy, gone).
func (u *UI) privacyRefused(w http.ResponseWriter, r *http.Request, err error) {
	ae, named := apperr.As(err)
	switch {
	case named && ae.Kind == apperr.KindNotFound:
		http.Error(w, t(r.Context(), "contacts.not_found"), http.StatusNotFound)
	case named && ae.Kind != apperr.KindInternal:
		http.Error(w, ae.Message, http.StatusConflict)
	default:
		u.fail(w, r, err)
	}
}
