package ui

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/lead"
)

// leadSourcesData is the sources page: the managed list of where leads
// come from, each with a rename and a remove form, and an add form.
type leadSourcesData struct {
	Chrome  chrome
	Sources []lead.Source
	// Errors maps a form ("add", "rename-<id>", "remove-<id>") to what
	// the service refused; Typed keeps the name typed into it.
	Errors map[string]string
	Typed  map[string]string
	Saved  bool
}

func (u *UI) leadSourcesView(w http.ResponseWriter, r *http.Request, status int, d leadSourcesData) {
	var err error
	d.Chrome = u.chrome(r.Context())
	if d.Sources, err = u.Leads.Sources(r.Context()); err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, status, leadSourcesPageView(d))
}

// leadSourcesPage lists the sources (GET /leads/sources, manage_leads).
func (u *UI) leadSourcesPage(w http.ResponseWriter, r *http.Request) {
	u.leadSourcesView(w, r, http.StatusOK, leadSourcesData{Saved: r.URL.Query().Get("saved") == "1"})
}

func (u *UI) addLeadSource(w http.ResponseWriter, r *http.Request) {
	name := r.PostForm.Get("name")
	_, err := u.Leads.AddSource(r.Context(), name)
	u.leadSourceDone(w, r, "add", name, err)
}

func (u *UI) renameLeadSource(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	name := r.PostForm.Get("name")
	_, err := u.Leads.RenameSource(r.Context(), id, name)
	u.leadSourceDone(w, r, "rename-"+fmtID(id), name, err)
}

func (u *UI) removeLeadSource(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	u.leadSourceDone(w, r, "remove-"+fmtID(id), "", u.Leads.RemoveSource(r.Context(), id))
}

// leadSourceDone redirects back after a change, or shows the page again
// with the service's refusal (a taken name, the source auto lead uses…)
// next to the form that caused it.
func (u *UI) leadSourceDone(w http.ResponseWriter, r *http.Request, form, typed string, err error) {
	if err == nil {
		http.Redirect(w, r, "/leads/sources?saved=1", http.StatusSeeOther)
		return
	}
	ae, ok := apperr.As(err)
	if !ok {
		u.fail(w, r, err)
		return
	}
	status := http.StatusUnprocessableEntity
	switch ae.Kind {
	case apperr.KindConflict:
		status = http.StatusConflict
	case apperr.KindNotFound:
		status = http.StatusNotFound
	case apperr.KindInvalid:
	default:
		u.fail(w, r, err)
		return
	}
	d := leadSourcesData{Errors: map[string]string{form: panelText(r.Context(), "leads.err."+ae.Code, ae.Message)},
		Typed: map[string]string{form: typed}}
	u.leadSourcesView(w, r, status, d)
}

// typedOr is the name typed into form when it was refused, else name.
func (d leadSourcesData) typedOr(form, name string) string {
	if v, ok := d.Typed[form]; ok {
		return v
	}
	return name
}
