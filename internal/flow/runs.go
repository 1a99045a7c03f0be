package flow

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Run is a run as the API shows it: status (waiting with what for and
// until when), trigger data, variables, and every step's input, output,
// attempts, timing, error and warnings.
type Run struct {
	ID          int64          `json:"id"`
	FlowID      int64          `json:"flow_id"`
	FlowVersion int            `json:"flow_version"`
	Status      string         `json:"status"`
	Test        bool           `json:"test"`
	WaitingFor  string         `json:"waiting_for,omitempty"`
	WaitingStep string         `json:"waiting_step,omitempty"`
	WaitingUtil *time.Time     `json:"waiting_until,omitempty"`
	Trigger     map[string]any `json:"trigger"`
	Contact     map[string]any `json:"contact"`
	Vars        map[string]any `json:"vars"`
	Steps       []StepRecord   `json:"steps"`
	Error       *StepError     `json:"error,omitempty"`
	Reason      string         `json:"reason,omitempty"`
	StartedAt   time.Time      `json:"started_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	EndedAt     *time.Time     `json:"ended_at,omitempty"`
}

const runColumns = `id, flow_id, flow_version, status, test, state, started_at, updated_at, ended_at FROM flow_runs`

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var state string
	var started, updated, ended int64
	if err := row.Scan(&r.ID, &r.FlowID, &r.FlowVersion, &r.Status, &r.Test, &state, &started, &updated, &ended); err != nil {
		return r, err
	}
	var st State
	if err := json.Unmarshal([]byte(state), &st); err != nil {
		return r, err
	}
	r.Trigger, r.Contact, r.Vars, r.Steps, r.Error, r.Reason = st.Trigger, st.Contact, st.Vars, st.Log, st.Error, st.Reason
	if r.Steps == nil {
		r.Steps = []StepRecord{}
	}
	if st.Wait != nil {
		r.WaitingFor, r.WaitingStep = st.Wait.Kind, st.Wait.Step
		if !st.Wait.Until.IsZero() {
			u := st.Wait.Until
			r.WaitingUtil = &u
		}
	}
	r.StartedAt, r.UpdatedAt = store.Time(started), store.Time(updated)
	if ended != 0 {
		e := store.Time(ended)
		r.EndedAt = &e
	}
	return r, nil
}

// GetRun returns a run.
func (s *Service) GetRun(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(s.DB.Read().QueryRow(ctx, `SELECT `+runColumns+` WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return r, apperr.NotFound("run")
	}
	return r, err
}

// RunFilter selects runs; zero values select all.
type RunFilter struct {
	FlowID int64
	Status string
	Before int64 // runs with a smaller id (paging, newest first)
	Limit  int
}

// ListRuns returns runs, newest first.
func (s *Service) ListRuns(ctx context.Context, f RunFilter) ([]Run, error) {
	return s.SearchRuns(ctx, RunSearch{RunFilter: f})
}
