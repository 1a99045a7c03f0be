package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/privacy"
)

// exportContact streams everything zapflow holds about a contact as a ZIP
// (LGPD/GDPR access request). Admins only: the file holds every message.
func (s *server) exportContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.Privacy.Prepare(r.Context(), id)
	if err != nil {
		return err
	}
	p, _ := agent.PrincipalFrom(r.Context())
	s.Log.Info("contact data exported", "contact_id", id, "user_id", p.UserID, "api_key_id", p.KeyID)
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.Filename()+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := e.WriteTo(r.Context(), w); err != nil {
		// The download has begun: a JSON error cannot follow it. Cutting
		// the connection makes the client see a failed download instead of
		// a ZIP that looks whole.
		s.Log.Error("exporting contact data", "contact_id", id, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// eraseContact deletes everything about a contact (LGPD/GDPR erasure
// request). The body must repeat the contact's phone number.
func (s *server) eraseContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Confirm string `json:"confirm"`
	}
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	p, _ := agent.PrincipalFrom(r.Context())
	res, err := s.Privacy.Erase(r.Context(), id, body.Confirm, privacy.Actor{UserID: p.UserID, APIKeyID: p.KeyID})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, res)
	return nil
}
