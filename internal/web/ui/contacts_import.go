package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/contact"
)

// importData is the import page: the form and, after an import, what it
// did or why the file was refused.
type importData struct {
	Chrome chrome
	Region string
	Result *contact.ImportResult
	// FileError is why nothing was imported; FileDetail the service's
	// own words (which name the line).
	FileError, FileDetail string
	RegionError           string
}

func (u *UI) importPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	render(w, r, http.StatusOK, contactsImportView(importData{Chrome: u.chrome(ctx), Region: u.defaultRegion(ctx)}))
}

// importContacts reads the uploaded file through contact.Service.Import
// (the call behind POST /api/v1/contacts/import) and shows the outcome on
// the same page: the counts and every row left out, or why the whole
// file was refused.
func (u *UI) importContacts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := importData{Chrome: u.chrome(ctx)}
	r.Body = http.MaxBytesReader(w, r.Body, contact.MaxImportBytes+64<<10)
	data, err := readUpload(r)
	d.Region = strings.TrimSpace(r.FormValue("region"))
	switch {
	case err != nil:
		d.FileError = t(ctx, "contacts.file.csv_too_large")
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) {
			d.FileError = t(ctx, "contacts.import.choose")
		}
	default:
		res, err := u.Contacts.Import(ctx, data, d.Region, u.actor(ctx))
		if err == nil {
			d.Result = &res
			render(w, r, http.StatusOK, contactsImportView(d))
			return
		}
		ae, ok := apperr.As(err)
		switch {
		case ok && ae.Field == "file":
			d.FileError, d.FileDetail = panelText(ctx, "contacts.file."+ae.Code, ae.Message), ae.Message
		case ok && ae.Field == "region":
			d.RegionError = t(ctx, "contacts.err.region")
		default:
			u.fail(w, r, err)
			return
		}
	}
	render(w, r, http.StatusUnprocessableEntity, contactsImportView(d))
}

// readUpload returns the form's "file" (the region field is parsed with
// it).
func readUpload(r *http.Request) ([]byte, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return nil, err
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// exportContacts downloads the contacts the search q finds as CSV.
func (u *UI) exportContacts(w http.ResponseWriter, r *http.Request) {
	user, err := u.restrictedTo(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="contacts.csv"`)
	if err := u.Contacts.Export(r.Context(), w, contact.Filter{Query: strings.TrimSpace(r.URL.Query().Get("q")), VisibleTo: user}); err != nil {
		// Part of the file may be out: cut the download short.
		u.Log.Error("contacts export failed", "err", err)
		panic(http.ErrAbortHandler)
	}
}

// importSummary says what an import did.
func importSummary(ctx context.Context, res contact.ImportResult) string {
	return fmt.Sprintf(t(ctx, "contacts.import.done"), res.Created+res.Updated, res.Rows, res.Created, res.Updated)
}

// rowReason says why a row was left out, in the page's language.
func rowReason(ctx context.Context, e contact.RowError) string {
	s := panelText(ctx, "contacts.row."+e.Code, e.Message)
	if e.SameAs > 0 {
		s = fmt.Sprintf(s, e.SameAs)
	}
	return s
}

// ignoredColumns lists the columns an import left alone.
func ignoredColumns(ctx context.Context, res contact.ImportResult) string {
	return fmt.Sprintf(t(ctx, "contacts.import.ignored"), strings.Join(res.Ignored, ", "))
}
