package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/contact"
)

// contactsPerPage is how many contacts the list shows at a time.
const contactsPerPage = 50

// contactsData is the contacts list.
type contactsData struct {
	Chrome   chrome
	Query    string
	Page     int // from 1
	Contacts []contact.Contact
	HasMore  bool
	CanEdit  bool
	// The add form: what was typed, the region and its problems.
	NewPhone, NewName, Region string
	Errors                    fieldErrors
	// Erased: the page follows an erasure of a contact's data.
	Erased bool
}

// contactsPage lists contacts, newest first, searched by q.
func (u *UI) contactsPage(w http.ResponseWriter, r *http.Request) {
	d, err := u.contactsData(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, contactsView(d))
}

func (u *UI) contactsData(r *http.Request) (contactsData, error) {
	ctx := r.Context()
	d := contactsData{Chrome: u.chrome(ctx), Query: strings.TrimSpace(r.URL.Query().Get("q")), Page: 1, Erased: r.URL.Query().Has("erased"),
		CanEdit: userFrom(ctx).Can(agent.PermManageLeads), Region: u.defaultRegion(ctx), Errors: fieldErrors{}}
	if p, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && p > 1 && p < 1_000_000 {
		d.Page = p
	}
	user, err := u.restrictedTo(ctx)
	if err != nil {
		return d, err
	}
	page, err := u.Contacts.List(ctx, contact.Filter{Query: d.Query, VisibleTo: user, Limit: contactsPerPage, Offset: (d.Page - 1) * contactsPerPage})
	d.Contacts, d.HasMore = page.Contacts, page.HasMore
	return d, err
}

// createContact adds a contact from the list page's form and opens it; a
// refused number is shown next to its field.
func (u *UI) createContact(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	ctx := r.Context()
	phone, name, region := r.PostForm.Get("phone"), r.PostForm.Get("name"), strings.TrimSpace(r.PostForm.Get("region"))
	c, err := u.Contacts.Create(ctx, contact.Input{Phone: &phone, Name: &name}, region, u.actor(ctx))
	if err == nil {
		http.Redirect(w, r, contactPath(c.ID)+"?done=created", http.StatusSeeOther)
		return
	}
	errs, ok := contactProblems(ctx, err)
	if !ok {
		u.fail(w, r, err)
		return
	}
	d, derr := u.contactsData(r)
	if derr != nil {
		u.fail(w, r, derr)
		return
	}
	d.NewPhone, d.NewName, d.Region, d.Errors = phone, name, region, errs
	render(w, r, http.StatusUnprocessableEntity, contactsView(d))
}

// actor is the signed-in user, for the opt-out history.
func (u *UI) actor(ctx context.Context) contact.Actor {
	return contact.Actor{UserID: userFrom(ctx).ID, Source: contact.SourceAgent}
}

// defaultRegion is the country of numbers typed without their country
// code: the first account's default region, if any.
func (u *UI) defaultRegion(ctx context.Context) string {
	accounts, err := u.Accounts.Accounts(ctx)
	if err != nil {
		return ""
	}
	for _, a := range accounts {
		if a.DefaultRegion != "" {
			return a.DefaultRegion
		}
	}
	return ""
}

// contactProblems turns a refusal of the contact service into problems
// next to their fields, in the page's language; false for an unexpected
// error.
func contactProblems(ctx context.Context, err error) (fieldErrors, bool) {
	ae, ok := apperr.As(err)
	if !ok || ae.Field == "" {
		return nil, false
	}
	field, _, _ := strings.Cut(ae.Field, ".") // fields.city is the fields field
	switch {
	case ae.Kind == apperr.KindConflict:
		return fieldErrors{field: t(ctx, "contacts.err.exists")}, true
	case ae.Kind == apperr.KindInvalid:
		return fieldErrors{field: panelText(ctx, "contacts.err."+field, ae.Message)}, true
	}
	return nil, false
}

func contactPath(id int64) string { return "/contacts/" + strconv.FormatInt(id, 10) }

// contactsPageURL is the list's address for page p of the search q.
func contactsPageURL(q string, p int) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if p > 1 {
		v.Set("page", strconv.Itoa(p))
	}
	if len(v) == 0 {
		return "/contacts"
	}
	return "/contacts?" + v.Encode()
}

// exportURL downloads the contacts the search q finds.
func exportURL(q string) string {
	if q == "" {
		return "/contacts/export.csv"
	}
	return "/contacts/export.csv?" + url.Values{"q": {q}}.Encode()
}
