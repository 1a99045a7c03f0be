package web

import (
	"net/http"

	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/httpx"
)

// Runs: history of every flow run, and cancelling one.

func (s *server) listRuns(w http.ResponseWriter, r *http.Request) error {
	flowID, err := queryInt(r, "flow_id")
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	runs, err := s.Flows.ListRuns(r.Context(), flow.RunFilter{FlowID: flowID, Status: r.URL.Query().Get("status"), Before: before, Limit: int(limit)})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"runs": runs})
	return nil
}

func (s *server) getRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	run, err := s.Flows.GetRun(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, run)
	return nil
}

func (s *server) cancelRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	run, err := s.Flows.Cancel(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, run)
	return nil
}
