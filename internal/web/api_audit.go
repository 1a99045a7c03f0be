package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/settings"
)

// listAudit answers GET /api/v1/audit (admins): who changed which setting,
// flow, user or API key, and when, newest first; ?section= and ?user_id=
// filter, ?before=<id> pages back.
func (s *server) listAudit(w http.ResponseWriter, r *http.Request) error {
	var f settings.AuditFilter
	var err error
	if f.UserID, err = queryInt(r, "user_id"); err != nil {
		return err
	}
	if f.Before, err = queryInt(r, "before"); err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	f.Limit = int(limit)
	f.Section = r.URL.Query().Get("section")
	entries, err := s.Settings.Log(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"entries": entries})
	return nil
}
