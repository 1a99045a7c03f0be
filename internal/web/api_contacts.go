package web

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/phone"
)

// The contacts API (package contact): reading for every key, writing and
// importing with the manage_leads permission (see routes.go).

// contactActor is who an API call acts for, in the opt-out history.
func contactActor(r *http.Request) contact.Actor {
	p, _ := agent.PrincipalFrom(r.Context())
	return contact.Actor{UserID: p.UserID, Source: contact.SourceAPI}
}

// contactFilter reads the list and export filters: q, tag, phone.
func contactFilter(r *http.Request) (contact.Filter, error) {
	var f contact.Filter
	var err error
	if f.Query, err = queryString(r, "q"); err != nil {
		return f, err
	}
	if f.Tag, err = queryString(r, "tag"); err != nil {
		return f, err
	}
	if p := r.URL.Query().Get("phone"); p != "" {
		if f.Phone, err = phone.Normalize(p, ""); err != nil {
			return f, apperr.Invalid("phone", "invalid_phone", err.Error())
		}
	}
	return f, nil
}

func (s *server) listContacts(w http.ResponseWriter, r *http.Request) error {
	f, err := contactFilter(r)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	offset, err := queryInt(r, "offset")
	if err != nil {
		return err
	}
	f.Limit, f.Offset = int(min(limit, contact.MaxLimit)), int(offset)
	if f.VisibleTo, err = s.restrictedTo(r); err != nil {
		return err
	}
	page, err := s.Contacts.List(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, page)
	return nil
}

func (s *server) getContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.checkContactVisible(r, id); err != nil {
		return err
	}
	c, err := s.Contacts.Get(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, c)
	return nil
}

func (s *server) createContact(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		contact.Input
		Region string `json:"region"`
	}
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	c, err := s.Contacts.Create(r.Context(), in.Input, in.Region, contactActor(r))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, c)
	return nil
}

func (s *server) updateContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in contact.Input
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	if err := s.checkContactVisible(r, id); err != nil {
		return err
	}
	c, err := s.Contacts.Update(r.Context(), id, in, contactActor(r))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, c)
	return nil
}

func (s *server) contactOptOutHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.checkContactVisible(r, id); err != nil {
		return err
	}
	h, err := s.Contacts.OptOutHistory(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"changes": h})
	return nil
}

func (s *server) optOut(w http.ResponseWriter, r *http.Request) error { return s.setOptOut(w, r, true) }
func (s *server) optIn(w http.ResponseWriter, r *http.Request) error  { return s.setOptOut(w, r, false) }
func (s *server) setOptOut(w http.ResponseWriter, r *http.Request, out bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.checkContactVisible(r, id); err != nil {
		return err
	}
	c, err := s.Contacts.SetOptOut(r.Context(), id, out, contactActor(r))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, c)
	return nil
}

// importContacts takes a CSV file as the request body (text/csv) or as
// the "file" part of a multipart form; region comes from the query or a
// form field.
func (s *server) importContacts(w http.ResponseWriter, r *http.Request) error {
	// Room for the file and a multipart envelope around it.
	r.Body = http.MaxBytesReader(w, r.Body, contact.MaxImportBytes+64<<10)
	region := r.URL.Query().Get("region")
	var data []byte
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		data, region, err = readMultipartCSV(r, region)
	} else {
		data, err = io.ReadAll(r.Body)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.KindInvalid, "body_too_large", "the file is larger than 5 MB: split it")
		}
		if _, ok := apperr.As(err); ok {
			return err
		}
		return apperr.Invalid("file", "invalid_request", "the upload could not be read: send the CSV as the body (text/csv) or as the file part of a form")
	}
	res, err := s.Contacts.Import(r.Context(), data, region, contactActor(r))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, res)
	return nil
}

// readMultipartCSV returns the "file" part of a multipart form, and the
// "region" field when the form has one.
func readMultipartCSV(r *http.Request, region string) ([]byte, string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, region, err
	}
	var data []byte
	found := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, region, err
		}
		switch part.FormName() {
		case "file":
			if data, err = io.ReadAll(part); err != nil {
				return nil, region, err
			}
			found = true
		case "region":
			b, err := io.ReadAll(io.LimitReader(part, 16))
			if err != nil {
				return nil, region, err
			}
			region = string(b)
		}
	}
	if !found {
		return nil, region, apperr.Invalid("file", "invalid_request", "the form has no file part: send the CSV as the field named file")
	}
	return data, region, nil
}

// exportContacts streams the contacts (filtered by q and tag) as CSV.
func (s *server) exportContacts(w http.ResponseWriter, r *http.Request) error {
	f, err := contactFilter(r)
	if err != nil {
		return err
	}
	if f.VisibleTo, err = s.restrictedTo(r); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="contacts.csv"`)
	if err := s.Contacts.Export(r.Context(), w, f); err != nil {
		// Part of the file may be out already: log it and cut the
		// answer short, so the caller sees a broken download.
		s.Log.Error("contacts export failed", "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
