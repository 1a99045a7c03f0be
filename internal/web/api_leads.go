package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/httpx"
	"github.com/zapflow/zapflow/internal/lead"
)

// Leads (F18): any user's key reads them; editing needs manage_leads and
// (re)assigning needs assign. Every change is made as the key's user, who
// shows in the lead's status history.

// Shorthands for the lead routes' permissions.
var (
	authLeads  = authPerm(agent.PermManageLeads)
	authAssign = authPerm(agent.PermAssign)
)

// actor is the lead.Actor of the API caller.
func actor(r *http.Request) lead.Actor {
	p, _ := agent.PrincipalFrom(r.Context())
	return lead.User(p.UserID)
}

// queryDate reads an optional date ("2025-10-30", a whole UTC day) or
// time (RFC 3339). end: a date means the end of that day, so from=to=
// one day covers the day.
func queryDate(r *http.Request, name string, end bool) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, apperr.Invalid(name, "invalid_query", name+" must be a date (2025-10-30) or a time (2025-10-30T12:00:00Z)")
	}
	return t, nil
}

// dateRange reads from and to; a range that ends before it starts is
// refused.
func dateRange(r *http.Request) (from, to time.Time, err error) {
	if from, err = queryDate(r, "from", false); err != nil {
		return
	}
	if to, err = queryDate(r, "to", true); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		err = apperr.Invalid("to", "invalid_range", "to must come after from")
	}
	return
}

func (s *server) listLeads(w http.ResponseWriter, r *http.Request) error {
	var f lead.Filter
	st, err := queryString(r, "status")
	if err != nil {
		return err
	}
	f.Status = lead.Status(st)
	if f.SourceID, err = queryInt(r, "source_id"); err != nil {
		return err
	}
	switch a := r.URL.Query().Get("agent_id"); a {
	case "":
	case "none":
		f.Unassigned = true
	default:
		if f.AgentID, err = strconv.ParseInt(a, 10, 64); err != nil || f.AgentID < 1 {
			return apperr.Invalid("agent_id", "invalid_query", "agent_id is a user id, or none for unassigned leads")
		}
	}
	if f.Tag, err = queryString(r, "tag"); err != nil {
		return err
	}
	if f.Search, err = queryString(r, "q"); err != nil {
		return err
	}
	if f.ContactID, err = queryInt(r, "contact_id"); err != nil {
		return err
	}
	open, err := queryBool(r, "open")
	if err != nil {
		return err
	}
	f.Open = open != nil && *open
	if f.From, f.To, err = dateRange(r); err != nil {
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
	f.Limit, f.Offset = int(limit), int(offset)
	if f.VisibleTo, err = s.restrictedTo(r); err != nil {
		return err
	}
	page, err := s.Leads.List(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, page)
	return nil
}

func (s *server) createLead(w http.ResponseWriter, r *http.Request) error {
	var in lead.NewLead
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	if in.AgentID != 0 {
		// Choosing the agent is assigning: it needs that permission too.
		if p, _ := agent.PrincipalFrom(r.Context()); !p.Can(agent.PermAssign) {
			return apperr.New(apperr.KindForbidden, "forbidden", "assigning a lead needs the assign permission")
		}
	}
	l, err := s.Leads.Create(r.Context(), in, actor(r))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, l)
	return nil
}

func (s *server) getLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, err := s.visibleLead(r, id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, l)
	return nil
}

func (s *server) updateLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var ch lead.Change
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &ch); err != nil {
		return err
	}
	if _, err := s.visibleLead(r, id); err != nil {
		return err
	}
	l, err := s.Leads.Update(r.Context(), id, ch, actor(r))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, l)
	return nil
}

// assignLeadRequest names the new agent; 0 or null unassigns.
type assignLeadRequest struct {
	AgentID *int64 `json:"agent_id"`
}

func (s *server) assignLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in assignLeadRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	var to int64
	if in.AgentID != nil {
		to = *in.AgentID
	}
	if _, err := s.visibleLead(r, id); err != nil {
		return err
	}
	l, err := s.Leads.Assign(r.Context(), id, to, actor(r))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, l)
	return nil
}

func (s *server) leadHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.visibleLead(r, id); err != nil {
		return err
	}
	h, err := s.Leads.History(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"history": h})
	return nil
}

func (s *server) leadReport(w http.ResponseWriter, r *http.Request) error {
	from, to, err := dateRange(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return apperr.Invalid("format", "invalid_query", "format is json (the default) or csv")
	}
	rep, err := s.Leads.Report(r.Context(), from, to)
	if err != nil {
		return err
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="leads-report.csv"`)
		w.WriteHeader(http.StatusOK)
		return rep.WriteCSV(w)
	}
	httpx.JSON(w, http.StatusOK, rep)
	return nil
}

func (s *server) listLeadSources(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.Leads.Sources(r.Context())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"sources": srcs})
	return nil
}

type leadSourceRequest struct {
	Name string `json:"name"`
}

func (s *server) createLeadSource(w http.ResponseWriter, r *http.Request) error {
	var in leadSourceRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	src, err := s.Leads.AddSource(r.Context(), in.Name)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, src)
	return nil
}

func (s *server) renameLeadSource(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in leadSourceRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	src, err := s.Leads.RenameSource(r.Context(), id, in.Name)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, src)
	return nil
}

func (s *server) deleteLeadSource(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Leads.RemoveSource(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) getLeadSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Leads.AutoSettings(r.Context(), nil)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, v)
	return nil
}

func (s *server) putLeadSettings(w http.ResponseWriter, r *http.Request) error {
	var in lead.AutoSettingsInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	before, err := s.Leads.AutoSettings(r.Context(), nil)
	if err != nil {
		return err
	}
	v, err := s.Leads.UpdateAutoSettings(r.Context(), in)
	if err != nil {
		return err
	}
	s.audit(r, lead.KeyAutoLead, s.Leads.AuditSummary(r.Context(), before, v))
	httpx.JSON(w, http.StatusOK, v)
	return nil
}
