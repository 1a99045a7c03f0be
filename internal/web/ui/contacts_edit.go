package ui

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/contact"
)

// blankFieldRows is how many empty custom field rows the form offers.
const blankFieldRows = 2

// fieldRow is one custom field row of the form.
type fieldRow struct{ Key, Value string }

// contactData is one contact's page: the form (with what was posted after
// a refused save), the problems next to their fields and the opt-out
// history.
type contactData struct {
	Chrome  chrome
	Contact contact.Contact
	CanEdit bool
	// Form values: shown as stored, or as posted after a refusal.
	Name     string
	Tags     string // one per line
	Fields   []fieldRow
	OptedOut bool
	History  []contact.OptOutChange
	Errors   fieldErrors
	// Done is the confirmation after a redirect: saved or created.
	Done string
}

// contactPage shows one contact.
func (u *UI) contactPage(w http.ResponseWriter, r *http.Request) {
	c, ok := u.loadContact(w, r)
	if !ok {
		return
	}
	d, err := u.contactData(r.Context(), c)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if done := r.URL.Query().Get("done"); done == "saved" || done == "created" {
		d.Done = done
	}
	render(w, r, http.StatusOK, contactView(d))
}

func (u *UI) contactData(ctx context.Context, c contact.Contact) (contactData, error) {
	d := contactData{Chrome: u.chrome(ctx), Contact: c, CanEdit: userFrom(ctx).Can(agent.PermManageLeads),
		Name: c.Name, Tags: strings.Join(c.Tags, "\n"), OptedOut: c.OptedOut, Errors: fieldErrors{}}
	for _, k := range slices.Sorted(maps.Keys(c.Fields)) {
		d.Fields = append(d.Fields, fieldRow{k, c.Fields[k]})
	}
	var err error
	d.History, err = u.Contacts.OptOutHistory(ctx, c.ID)
	return d, err
}

// loadContact reads the {id} contact; false means it answered already.
func (u *UI) loadContact(w http.ResponseWriter, r *http.Request) (contact.Contact, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, t(r.Context(), "contacts.not_found"), http.StatusNotFound)
		return contact.Contact{}, false
	}
	c, err := u.Contacts.Get(r.Context(), id)
	if err == nil {
		// Another agent's customer looks like one that does not exist.
		if ok, verr := u.contactVisible(r.Context(), id); verr != nil {
			err = verr
		} else if !ok {
			err = apperr.NotFound("contact")
		}
	}
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.KindNotFound {
		http.Error(w, t(r.Context(), "contacts.not_found"), http.StatusNotFound)
		return c, false
	}
	if err != nil {
		u.fail(w, r, err)
		return c, false
	}
	return c, true
}

// saveContact applies the form through contact.Service.Update (the call
// behind PATCH /api/v1/contacts/{id}): the name, the tags, the custom
// fields (a cleared row removes its field) and the opt-out. A refusal
// shows the form again as posted, the problem next to its field, and
// saves nothing.
func (u *UI) saveContact(w http.ResponseWriter, r *http.Request) {
	c, ok := u.loadContact(w, r)
	if !ok || !parseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := r.PostForm
	name, optedOut := f.Get("name"), f.Get("opted_out") != ""
	tags := formLines(f.Get("tags"))
	rows := postedFieldRows(f["field_key"], f["field_value"])
	in := contact.Input{Name: &name, Tags: &tags, OptedOut: &optedOut, Fields: map[string]*string{}}
	errs := fieldErrors{}
	for _, row := range rows {
		if row.Key == "" {
			errs["fields"] = t(ctx, "contacts.err.field_name")
			continue
		}
		in.Fields[row.Key] = &row.Value
	}
	for k := range c.Fields {
		if _, kept := in.Fields[k]; !kept {
			in.Fields[k] = nil // its row was cleared
		}
	}
	if len(errs) == 0 {
		_, err := u.Contacts.Update(ctx, c.ID, in, u.actor(ctx))
		if err == nil {
			http.Redirect(w, r, contactPath(c.ID)+"?done=saved", http.StatusSeeOther)
			return
		}
		if errs, ok = contactProblems(ctx, err); !ok {
			u.fail(w, r, err)
			return
		}
	}
	d, err := u.contactData(ctx, c)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Name, d.Tags, d.Fields, d.OptedOut, d.Errors = name, f.Get("tags"), rows, optedOut, errs
	render(w, r, http.StatusUnprocessableEntity, contactView(d))
}

// postedFieldRows pairs the posted field names and values, dropping rows
// with neither.
func postedFieldRows(keys, values []string) []fieldRow {
	var rows []fieldRow
	for i, k := range keys {
		row := fieldRow{Key: strings.TrimSpace(k)}
		if i < len(values) {
			row.Value = strings.TrimSpace(values[i])
		}
		if row.Key != "" || row.Value != "" {
			rows = append(rows, row)
		}
	}
	return rows
}

// formLines splits a one-entry-per-line field, dropping blank lines.
func formLines(v string) []string {
	out := []string{}
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// withBlankRows is the custom field rows plus empty ones to add fields.
func withBlankRows(rows []fieldRow) []fieldRow {
	return append(slices.Clone(rows), make([]fieldRow, blankFieldRows)...)
}

// rowInvalid marks the filled rows of the custom fields when they were
// refused.
func rowInvalid(d contactData, row fieldRow) string {
	if row.Key == "" && row.Value == "" {
		return "false"
	}
	return ariaInvalid(d.Errors["fields"])
}

// historyWho says who or what made an opt-out change.
func historyWho(ctx context.Context, h contact.OptOutChange) string {
	s := t(ctx, "contacts.source."+h.Source)
	if h.UserName != "" {
		s = h.UserName + " · " + s
	}
	if h.Detail != "" {
		s += " (" + h.Detail + ")"
	}
	return s
}
