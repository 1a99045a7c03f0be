package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/httpx"
)

// Flows (F11): CRUD, enable/disable, import/export as JSON or YAML files,
// and F17's test run. A definition is sent as the body, in JSON unless the
// Content-Type says YAML (application/yaml, text/yaml).

// readFlowBody reads a flow file from the request.
func readFlowBody(w http.ResponseWriter, r *http.Request) ([]byte, flow.Format, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, flow.MaxFileSize))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", apperr.New(apperr.KindInvalid, "body_too_large", "the flow file is larger than 1 MiB")
		}
		return nil, "", err
	}
	f := flow.FormatOf(r.Header.Get("Content-Type"))
	if q := r.URL.Query().Get("format"); q != "" {
		f = flow.Format(strings.ToLower(q))
	}
	return raw, f, nil
}

func (s *server) listFlows(w http.ResponseWriter, r *http.Request) error {
	archived, err := queryBool(r, "archived")
	if err != nil {
		return err
	}
	list, err := s.Flows.List(r.Context(), archived != nil && *archived)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"flows": list})
	return nil
}

func (s *server) createFlow(w http.ResponseWriter, r *http.Request) error {
	raw, f, err := readFlowBody(w, r)
	if err != nil {
		return err
	}
	fl, err := flow.Parse(raw, f)
	if err != nil {
		return err
	}
	rec, err := s.Flows.Create(r.Context(), fl)
	if err != nil {
		return err
	}
	s.audit(r, flow.AuditSection, fmt.Sprintf("created flow %q (#%d)", rec.Name, rec.ID))
	httpx.JSON(w, http.StatusCreated, rec)
	return nil
}

func (s *server) getFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.Flows.Get(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, rec)
	return nil
}

func (s *server) updateFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, f, err := readFlowBody(w, r)
	if err != nil {
		return err
	}
	fl, err := flow.Parse(raw, f)
	if err != nil {
		return err
	}
	rec, err := s.Flows.Update(r.Context(), id, fl)
	if err != nil {
		return err
	}
	s.audit(r, flow.AuditSection, fmt.Sprintf("saved flow %q (#%d) as version %d", rec.Name, rec.ID, rec.Version))
	httpx.JSON(w, http.StatusOK, rec)
	return nil
}

func (s *server) deleteFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Flows.Delete(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, flow.AuditSection, fmt.Sprintf("deleted flow #%d", id))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) enableFlow(w http.ResponseWriter, r *http.Request) error {
	return s.setFlowEnabled(w, r, true)
}
func (s *server) disableFlow(w http.ResponseWriter, r *http.Request) error {
	return s.setFlowEnabled(w, r, false)
}

func (s *server) setFlowEnabled(w http.ResponseWriter, r *http.Request, on bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.Flows.SetEnabled(r.Context(), id, on)
	if err != nil {
		return err
	}
	s.audit(r, flow.AuditSection, fmt.Sprintf("%s flow %q (#%d)", map[bool]string{true: "enabled", false: "disabled"}[on], rec.Name, rec.ID))
	httpx.JSON(w, http.StatusOK, rec)
	return nil
}

func (s *server) importFlow(w http.ResponseWriter, r *http.Request) error {
	raw, f, err := readFlowBody(w, r)
	if err != nil {
		return err
	}
	rec, err := s.Flows.Import(r.Context(), raw, f, r.URL.Query().Get("replace") == "true")
	if err != nil {
		return err
	}
	s.audit(r, flow.AuditSection, fmt.Sprintf("imported flow %q (#%d, version %d)", rec.Name, rec.ID, rec.Version))
	httpx.JSON(w, http.StatusCreated, rec)
	return nil
}

func (s *server) exportFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := flow.Format(strings.ToLower(r.URL.Query().Get("format")))
	if f == "" {
		f = flow.YAML
	}
	out, err := s.Flows.ExportFlow(r.Context(), id, f)
	if err != nil {
		return err
	}
	ct := "application/json"
	if f == flow.YAML {
		ct = "application/yaml"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="flow-`+r.PathValue("id")+"."+string(f)+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	return nil
}

func (s *server) testFlow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body flow.TestRunRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	runID, err := s.Flows.TestRun(r.Context(), id, body)
	if err != nil {
		return err
	}
	run, err := s.Flows.GetRun(r.Context(), runID)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusAccepted, run)
	return nil
}
