package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/cleanup"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/settings"
)

// Chat history cleanup: its settings, running it now (or a dry run that
// only counts) and the log of runs. Every route needs manage_settings.

func (s *server) getCleanupSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Cleanup.Settings(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, s.Cleanup.ViewOf(v))
	return nil
}

func (s *server) putCleanupSettings(w http.ResponseWriter, r *http.Request) error {
	var in cleanup.Input
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	before, err := s.Cleanup.Settings(r.Context())
	if err != nil {
		return err
	}
	v, err := s.Cleanup.UpdateSettings(r.Context(), in)
	if err != nil {
		return err
	}
	s.audit(r, cleanup.Key, settings.Diff(before, v))
	httpx.JSON(w, http.StatusOK, s.Cleanup.ViewOf(v))
	return nil
}

// runCleanupRequest is the body of POST /api/v1/cleanup/run.
type runCleanupRequest struct {
	DryRun bool `json:"dry_run"`
}

// runCleanup runs within the request: the answer is the finished run
// with what it removed. If the caller goes away first, the run stops
// after its current batch; what it removed stays removed.
func (s *server) runCleanup(w http.ResponseWriter, r *http.Request) error {
	var in runCleanupRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	p, _ := agent.PrincipalFrom(r.Context())
	run, err := s.Cleanup.RunNow(r.Context(), p.UserID, in.DryRun)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, run)
	return nil
}

func (s *server) listCleanupRuns(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	runs, err := s.Cleanup.Runs(r.Context(), int(limit))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"runs": runs})
	return nil
}
