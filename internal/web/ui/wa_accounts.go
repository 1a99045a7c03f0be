package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
)

// waAccountsData is the accounts list.
type waAccountsData struct {
	Chrome   chrome
	Accounts []waAccountRow
}

// waAccountRow is one account with its numbers.
type waAccountRow struct {
	Account account.Account
	Senders []account.Sender
}

// waAccountData is one account's page (or the connect form when new).
type waAccountData struct {
	Chrome  chrome
	New     bool
	Account account.Account
	Senders []account.Sender
	// Webhook is what to paste into Meta's dashboard.
	WebhookURL string
	Errors     fieldErrors
	// Done names what just happened ("created", "saved", "checked"…);
	// Checked is the template count a check found.
	Done    string
	Checked int
	// Form holds what was typed when a save is refused.
	Form map[string]string
}

// waAccountsPage lists the connected accounts and their numbers.
func (u *UI) waAccountsPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	list, err := u.Accounts.Accounts(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := waAccountsData{Chrome: u.chrome(ctx)}
	for _, a := range list {
		senders, err := u.Accounts.Senders(ctx, a.ID)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		d.Accounts = append(d.Accounts, waAccountRow{Account: a, Senders: senders})
	}
	render(w, r, http.StatusOK, waAccountsView(d))
}

// newWAAccountPage is the guided connect form; the verify token is made up
// here so the admin only copies it into Meta's dashboard.
func (u *UI) newWAAccountPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	render(w, r, http.StatusOK, waAccountView(waAccountData{Chrome: u.chrome(ctx), New: true,
		Form: map[string]string{"verify_token": newVerifyToken(), "graph_version": ""}}))
}

// createWAAccount connects an account from the form; a refusal shows next
// to its field with what was typed kept (secrets excepted).
func (u *UI) createWAAccount(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	if !parseForm(w, r) {
		return
	}
	in, form := waAccountInput(r, true)
	a, err := u.Accounts.CreateAccount(ctx, in)
	if err != nil {
		u.waAccountRefused(w, r, waAccountData{New: true, Form: form}, err)
		return
	}
	u.audit(r, "accounts", "connected account "+strconv.Quote(a.Name)+" (WABA "+a.WABAID+")")
	http.Redirect(w, r, "/accounts/"+strconv.FormatInt(a.ID, 10)+"?done=created", http.StatusSeeOther)
}

// waAccountPage shows an account: what to paste into Meta, its numbers with
// their health and rate, and its settings.
func (u *UI) waAccountPage(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	d, ok := u.loadWAAccount(w, r)
	if !ok {
		return
	}
	d.Done = r.URL.Query().Get("done")
	d.Checked, _ = strconv.Atoi(r.URL.Query().Get("templates"))
	render(w, r, http.StatusOK, waAccountView(d))
}

// saveWAAccount changes an account's name or credentials; a blank secret
// keeps the stored one.
func (u *UI) saveWAAccount(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	d, ok := u.loadWAAccount(w, r)
	if !ok || !parseForm(w, r) {
		return
	}
	in, form := waAccountInput(r, false)
	if _, err := u.Accounts.UpdateAccount(ctx, d.Account.ID, in); err != nil {
		d.Form = form
		u.waAccountRefused(w, r, d, err)
		return
	}
	u.audit(r, "accounts", "changed account "+strconv.Quote(d.Account.Name)+": "+strings.Join(changedFields(form), ", "))
	http.Redirect(w, r, "/accounts/"+strconv.FormatInt(d.Account.ID, 10)+"?done=saved", http.StatusSeeOther)
}

// checkWAAccount tries the access token against the Cloud API by syncing the
// account's templates: it proves the token and the WABA id at once.
func (u *UI) checkWAAccount(w http.ResponseWriter, r *http.Request) {
	ctx := withLocale(r.Context(), locale(r))
	r = r.WithContext(ctx)
	d, ok := u.loadWAAccount(w, r)
	if !ok {
		return
	}
	n, err := u.Accounts.SyncTemplates(ctx, d.Account.ID)
	if err != nil {
		u.waAccountRefused(w, r, d, err)
		return
	}
	if r.FormValue("back") == "templates" {
		http.Redirect(w, r, "/templates?synced="+strconv.Itoa(n), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/accounts/"+strconv.FormatInt(d.Account.ID, 10)+"?done=checked&templates="+strconv.Itoa(n), http.StatusSeeOther)
}

// loadWAAccount reads the {id} account and its numbers; false means it
// answered already.
func (u *UI) loadWAAccount(w http.ResponseWriter, r *http.Request) (waAccountData, bool) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.NotFound(w, r)
		return waAccountData{}, false
	}
	a, err := u.Accounts.Account(ctx, id)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		http.NotFound(w, r)
		return waAccountData{}, false
	}
	if err != nil {
		u.fail(w, r, err)
		return waAccountData{}, false
	}
	senders, err := u.Accounts.Senders(ctx, id)
	if err != nil {
		u.fail(w, r, err)
		return waAccountData{}, false
	}
	return waAccountData{Chrome: u.chrome(ctx), Account: a, Senders: senders,
		WebhookURL: u.PublicURL + "/webhooks/whatsapp/" + strconv.FormatInt(id, 10)}, true
}

// waAccountRefused re-renders the form with the problem next to its field:
// a validation error names the field, Meta's refusal of a check shows in
// Meta's words.
func (u *UI) waAccountRefused(w http.ResponseWriter, r *http.Request, d waAccountData, err error) {
	ae, ok := apperr.As(err)
	if !ok || ae.Kind == apperr.KindInternal {
		u.fail(w, r, err)
		return
	}
	if d.Chrome.User.ID == 0 {
		d.Chrome = u.chrome(r.Context())
	}
	d.Errors = fieldErrors{ae.Field: ae.Message}
	render(w, r, http.StatusUnprocessableEntity, waAccountView(d))
}

// waAccountFields are the form's fields; secrets are never put back into a
// form.
var waAccountFields = []string{"name", "waba_id", "access_token", "app_secret", "verify_token", "graph_url", "graph_version", "default_region"}

func isSecretField(f string) bool {
	return f == "access_token" || f == "app_secret"
}

// waAccountInput reads the form. On an edit a blank field keeps its value;
// on create every field is passed so validation names what is missing.
func waAccountInput(r *http.Request, create bool) (account.AccountInput, map[string]string) {
	var in account.AccountInput
	form := map[string]string{}
	set := func(name string, dst **string) {
		v := strings.TrimSpace(r.PostForm.Get(name))
		if !isSecretField(name) {
			form[name] = v
		} else if v != "" {
			form[name] = "" // typed, not shown again
		}
		if v == "" && (!create || name == "graph_url" || name == "graph_version" || name == "default_region") {
			return
		}
		*dst = &v
	}
	set("name", &in.Name)
	set("waba_id", &in.WABAID)
	set("access_token", &in.AccessToken)
	set("app_secret", &in.AppSecret)
	set("verify_token", &in.VerifyToken)
	set("graph_url", &in.GraphURL)
	set("graph_version", &in.GraphVersion)
	set("default_region", &in.DefaultRegion)
	return in, form
}

// changedFields names the fields an edit set (for the audit log).
func changedFields(form map[string]string) []string {
	var out []string
	for _, f := range waAccountFields {
		if _, ok := form[f]; ok && (form[f] != "" || isSecretField(f)) {
			out = append(out, f)
		}
	}
	return out
}

// newVerifyToken makes a verify token for Meta's webhook check.
func newVerifyToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// formValue is what a field shows: what was typed, else the stored value.
func (d waAccountData) formValue(name, stored string) string {
	if v, ok := d.Form[name]; ok {
		return v
	}
	return stored
}

// waAccountFormAction is where the account form posts.
func waAccountFormAction(d waAccountData) string {
	if d.New {
		return "/accounts"
	}
	return "/accounts/" + strconv.FormatInt(d.Account.ID, 10)
}

// secretPlaceholder tells whether a blank secret keeps the stored one.
func secretPlaceholder(ctx context.Context, isNew bool) string {
	if isNew {
		return ""
	}
	return t(ctx, "accounts.f.keep")
}
