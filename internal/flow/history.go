package flow

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// What the web app reads of a flow's history: its stored versions, the
// day's run counts of every flow, and runs searched by contact and date.

// VersionInfo is one stored version of a flow.
type VersionInfo struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
}

// Versions lists a flow's versions, newest first.
func (s *Service) Versions(ctx context.Context, flowID int64) ([]VersionInfo, error) {
	rows, err := s.DB.Read().Query(ctx, `SELECT version, created_at FROM flow_versions WHERE flow_id = ? ORDER BY version DESC`, flowID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VersionInfo
	for rows.Next() {
		var v VersionInfo
		var at int64
		if err := rows.Scan(&v.Version, &at); err != nil {
			return nil, err
		}
		v.CreatedAt = store.Time(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// Version returns the definition a flow had at version v.
func (s *Service) Version(ctx context.Context, flowID int64, v int) (Flow, error) {
	var def string
	var fl Flow
	err := s.DB.Read().QueryRow(ctx, `SELECT definition FROM flow_versions WHERE flow_id = ? AND version = ?`, flowID, v).Scan(&def)
	if errors.Is(err, store.ErrNotFound) {
		return fl, apperr.NotFound("flow version")
	}
	if err != nil {
		return fl, err
	}
	return fl, json.Unmarshal([]byte(def), &fl)
}

// RunCounts are a flow's runs since a time, and how many of them failed.
type RunCounts struct {
	Runs, Failed int
}

// RunCountsSince counts every flow's runs started at or after since, in
// one query (flow id → counts; flows without runs are absent).
func (s *Service) RunCountsSince(ctx context.Context, since time.Time) (map[int64]RunCounts, error) {
	rows, err := s.DB.Read().Query(ctx, `SELECT flow_id, COUNT(*), SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END)
		FROM flow_runs WHERE started_at >= ? GROUP BY flow_id`, store.Millis(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]RunCounts{}
	for rows.Next() {
		var id int64
		var c RunCounts
		if err := rows.Scan(&id, &c.Runs, &c.Failed); err != nil {
			return nil, err
		}
		out[id] = c
	}
	return out, rows.Err()
}

// RunSearch selects runs for the run history page; zero values select
// all. Phone is the contact's number as the run stores it (E.164).
type RunSearch struct {
	RunFilter
	Phone    string
	From, To time.Time // started in [From, To)
}

// SearchRuns returns runs, newest first.
func (s *Service) SearchRuns(ctx context.Context, f RunSearch) ([]Run, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Status != "" && f.Status != StatusRunning && f.Status != StatusWaiting && !Terminal(f.Status) {
		return nil, apperr.Invalid("status", "invalid_request", "status is running, waiting, completed, failed or cancelled")
	}
	q, args := searchQuery(f)
	rows, err := s.DB.Read().Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// searchQuery builds the query of f, whose Limit is set. Only the filters
// set become conditions: a condition written "(? = 0 OR flow_id = ?)"
// keeps SQLite (and PostgreSQL's generic plans) from using an index, so
// every page of runs, and every check for a running one, read the whole
// table (25 ms a page at 30,000 runs). PostgreSQL also types a bare
// "? = 0" as int4, too small for millisecond times.
func searchQuery(f RunSearch) (string, []any) {
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.FlowID != 0 {
		add("flow_id = ?", f.FlowID)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Before != 0 {
		add("id < ?", f.Before)
	}
	if !f.From.IsZero() {
		add("started_at >= ?", store.Millis(f.From))
	}
	if !f.To.IsZero() {
		add("started_at < ?", store.Millis(f.To))
	}
	// The contact is part of the run's state document: its phone is
	// matched as the JSON member the state writes ("phone":"+55…").
	if p := strings.TrimSpace(f.Phone); p != "" {
		b, _ := json.Marshal(p)
		add(`state LIKE ? ESCAPE '\'`, "%"+likeEscape(`"phone":`+string(b))+"%")
	}
	q := `SELECT ` + runColumns + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY id DESC LIMIT ?`
	return q, append(args, f.Limit)
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
