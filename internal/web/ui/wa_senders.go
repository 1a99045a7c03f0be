package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
)

// addSender adds a phone number to the {id} account: the Cloud API is
// asked about it first, so a wrong id or token shows now, in Meta's words.
func (u *UI) addSender(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	d, ok := u.loadWAAccount(w, r)
	if !ok || !parseForm(w, r) {
		return
	}
	in, form, ok := senderInput(r, true)
	if !ok {
		d.Form = form
		d.Errors = fieldErrors{"rate_limit": t(ctx, "accounts.err.rate")}
		render(w, r, http.StatusUnprocessableEntity, waAccountView(d))
		return
	}
	sn, err := u.Accounts.CreateSender(ctx, d.Account.ID, in)
	if err != nil {
		d.Form = form
		u.waAccountRefused(w, r, d, err)
		return
	}
	u.audit(r, "accounts", "added number "+firstNonEmpty(sn.DisplayPhoneNumber, sn.PhoneNumberID)+" to account "+strconv.Quote(d.Account.Name))
	http.Redirect(w, r, "/accounts/"+strconv.FormatInt(d.Account.ID, 10)+"?done=sender_added", http.StatusSeeOther)
}

// saveSender changes a number's sending rate.
func (u *UI) saveSender(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	d, ok := u.loadWAAccount(w, r)
	if !ok || !parseForm(w, r) {
		return
	}
	id, ok := d.senderID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	in, form, ok := senderInput(r, false)
	if !ok {
		d.Form = form
		d.Errors = fieldErrors{"rate_limit-" + r.PathValue("sender"): t(ctx, "accounts.err.rate")}
		render(w, r, http.StatusUnprocessableEntity, waAccountView(d))
		return
	}
	if _, err := u.Accounts.UpdateSender(ctx, id, in); err != nil {
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindInvalid {
			d.Errors = fieldErrors{"rate_limit-" + r.PathValue("sender"): ae.Message}
			render(w, r, http.StatusUnprocessableEntity, waAccountView(d))
			return
		}
		u.waAccountRefused(w, r, d, err)
		return
	}
	u.audit(r, "accounts", "set the rate of number #"+r.PathValue("sender")+" to "+form["rate_limit"]+" messages/s")
	http.Redirect(w, r, "/accounts/"+strconv.FormatInt(d.Account.ID, 10)+"?done=sender_saved", http.StatusSeeOther)
}

// checkSenderNow reads a number's status and quality from the Cloud API.
func (u *UI) checkSenderNow(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	d, ok := u.loadWAAccount(w, r)
	if !ok {
		return
	}
	id, ok := d.senderID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if _, err := u.Accounts.CheckSender(ctx, id); err != nil {
		u.waAccountRefused(w, r, d, err)
		return
	}
	http.Redirect(w, r, "/accounts/"+strconv.FormatInt(d.Account.ID, 10)+"?done=sender_checked", http.StatusSeeOther)
}

// senderID is the {sender} of the path when it belongs to this account.
func (d waAccountData) senderID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("sender"), 10, 64)
	if err != nil {
		return 0, false
	}
	for _, s := range d.Senders {
		if s.ID == id {
			return id, true
		}
	}
	return 0, false
}

// senderInput reads a number's form; ok is false for a rate that is not
// a whole number (the service checks its range).
func senderInput(r *http.Request, create bool) (in account.SenderInput, form map[string]string, ok bool) {
	form = map[string]string{"phone_number_id": strings.TrimSpace(r.PostForm.Get("phone_number_id")),
		"rate_limit": strings.TrimSpace(r.PostForm.Get("rate_limit"))}
	if create {
		in.PhoneNumberID = new(string)
		*in.PhoneNumberID = form["phone_number_id"]
	}
	if form["rate_limit"] != "" {
		n, err := strconv.Atoi(form["rate_limit"])
		if err != nil {
			return in, form, false
		}
		in.RateLimit = &n
	}
	return in, form, true
}
