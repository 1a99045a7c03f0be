package flow

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// The lead steps (F11, F18): update_lead edits the contact's open lead,
// assign_agent gives the conversation and that lead to an agent. Both are
// effects the host carries out through Leads inside the commit that
// stores the run (no I/O leaves the database), and whose result it feeds
// straight back, so a refusal (an unknown agent) follows the step's retry
// policy and on_error like any other failure.

// Leads is what the lead steps need from the lead service (package lead,
// wired in internal/app): apply ef to the contact target names, inside
// tx, and return the step's output. An *apperr.Error that is not internal
// fails the step with its code; any other error fails the commit.
type Leads interface {
	ApplyLead(ctx context.Context, tx store.Tx, target LeadTarget, ef LeadEffect) (map[string]any, error)
}

// LeadTarget names the contact a lead step works on: the run's contact
// (ContactID when known), its conversation and phone.
type LeadTarget struct {
	ContactID      int64
	ConversationID int64
	Phone          string
}

// Lead step operations (LeadEffect.Op).
const (
	LeadUpdate = "update"
	LeadAssign = "assign"
)

// Agent modes of assign_agent.
const (
	AssignModeAgent      = "agent"
	AssignModeRoundRobin = "round_robin"
	AssignModeUnassign   = "unassign"
)

// LeadStatuses are the statuses update_lead accepts (package lead's
// Statuses; a test in internal/app keeps the two lists equal).
var LeadStatuses = []string{"new", "in_progress", "contacted", "qualified", "closed"}

// LeadEffect is a rendered lead step.
type LeadEffect struct {
	Op     string            `json:"op"`
	Status string            `json:"status,omitempty"`
	Tags   []string          `json:"tags,omitempty"`
	Notes  string            `json:"notes,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
	Mode   string            `json:"mode,omitempty"`
	Agent  string            `json:"agent,omitempty"`
}

// MaxLeadTags bounds the tags one update_lead adds.
const MaxLeadTags = 50

// --- update_lead ---

func validateUpdateLead(v *validator, s *Step, path string) {
	if s.Status == "" && len(s.Tags) == 0 && s.Notes == "" && len(s.Fields) == 0 {
		v.fail(path+".status", "required", "update_lead needs at least one of status, tags, notes or fields")
	}
	v.template(s, "status", path+".status", s.Status, false)
	if s.Status != "" && !strings.Contains(s.Status, "{{") && !slices.Contains(LeadStatuses, s.Status) {
		v.fail(path+".status", "invalid_status", "status is one of "+strings.Join(LeadStatuses, ", ")+" (or a template giving one)")
	}
	if len(s.Tags) > MaxLeadTags {
		v.fail(path+".tags", "invalid_step", "update_lead adds at most 50 tags")
	}
	for i, tag := range s.Tags {
		if strings.TrimSpace(tag) == "" {
			v.fail(path+".tags["+strconv.Itoa(i)+"]", "required", "a tag cannot be empty")
		}
		v.template(s, "tags["+strconv.Itoa(i)+"]", path+".tags["+strconv.Itoa(i)+"]", tag, false)
	}
	v.template(s, "notes", path+".notes", s.Notes, false)
	for _, k := range sortedKeys(s.Fields) {
		if !varNamePattern.MatchString(k) {
			v.fail(path+".fields."+k, "invalid_step", "a custom field name is letters, digits and _, starting with a letter")
		}
	}
	v.templateMap(s, "fields", path+".fields", s.Fields)
	if s.Mode != "" || s.Agent != "" {
		v.fail(path+".mode", "invalid_step", "mode and agent belong to assign_agent")
	}
}

func runUpdateLead(r *stepRun) {
	ef := &LeadEffect{Op: LeadUpdate, Status: strings.TrimSpace(r.render("status")), Notes: r.render("notes"), Fields: r.renderMap("fields", r.s.Fields)}
	for i := range r.s.Tags {
		if tag := strings.TrimSpace(r.render("tags[" + strconv.Itoa(i) + "]")); tag != "" {
			ef.Tags = append(ef.Tags, tag)
		}
	}
	if r.limited() {
		return
	}
	r.rec.Input = map[string]any{"status": ef.Status, "tags": stringsAny(ef.Tags), "notes": ef.Notes, "fields": stringMapAny(ef.Fields)}
	if ef.Status != "" && !slices.Contains(LeadStatuses, ef.Status) {
		r.fail("invalid_status", "the status came out as "+strconvQuote(ef.Status)+", which is none of "+strings.Join(LeadStatuses, ", "), false)
		return
	}
	r.e.wait(WaitLead, time.Time{}, Effect{Kind: EffectLead, Lead: ef})
}

// --- assign_agent ---

func validateAssignAgent(v *validator, s *Step, path string) {
	switch s.Mode {
	case AssignModeAgent:
		v.template(s, "agent", path+".agent", s.Agent, true)
		if s.Agent != "" && !strings.Contains(s.Agent, "{{") && !strings.Contains(s.Agent, "@") {
			v.fail(path+".agent", "invalid_step", "agent is the email of the user to assign, e.g. ana@example.com")
		}
	case AssignModeRoundRobin, AssignModeUnassign:
		if s.Agent != "" {
			v.fail(path+".agent", "invalid_step", "agent goes with mode agent only")
		}
	case "":
		v.fail(path+".mode", "required", "mode is required: agent (with agent: an email), round_robin or unassign")
	default:
		v.fail(path+".mode", "invalid_step", "mode is agent, round_robin or unassign")
	}
	if s.Status != "" || len(s.Tags) > 0 || s.Notes != "" || len(s.Fields) > 0 {
		v.fail(path+".status", "invalid_step", "status, tags, notes and fields belong to update_lead")
	}
}

func runAssignAgent(r *stepRun) {
	ef := &LeadEffect{Op: LeadAssign, Mode: r.s.Mode, Agent: strings.TrimSpace(r.render("agent"))}
	if r.limited() {
		return
	}
	r.rec.Input = map[string]any{"mode": ef.Mode}
	if ef.Mode == AssignModeAgent {
		r.rec.Input["agent"] = ef.Agent
		if ef.Agent == "" {
			r.fail("agent_not_found", "the agent's email came out empty ("+r.s.Agent+"): check the data it is read from", false)
			return
		}
	}
	r.e.wait(WaitLead, time.Time{}, Effect{Kind: EffectLead, Lead: ef})
}

// --- the host side ---

// leadEffect carries out a lead step and returns its result to feed back.
// A refusal (an *apperr.Error that is not internal: no such agent…) is the
// step's failure; any other error fails the whole commit, so the input is
// redone (a job retries, an event is processed again) rather than leaving
// half a change. A test run (F17) changes no lead: its result says so.
func (s *Service) leadEffect(ctx context.Context, tx store.Tx, st *State, ef Effect) (*Input, error) {
	result := func(out map[string]any, err *StepError) *Input {
		return &Input{Kind: InputResult, Now: s.Now(), Key: ef.Key, Output: out, Err: err}
	}
	if st.TestRecipient != "" {
		return result(map[string]any{"skipped": true, "reason": "test run: no lead is changed"}, nil), nil
	}
	if s.Leads == nil {
		return result(nil, &StepError{Code: "leads_unavailable", Message: "leads are not available in this installation"}), nil
	}
	target := LeadTarget{ContactID: toInt64(st.Contact["id"]), ConversationID: st.ConversationID, Phone: toText(st.Contact["phone"])}
	out, err := s.Leads.ApplyLead(ctx, tx, target, *ef.Lead)
	if err != nil {
		ae, ok := apperr.As(err)
		if !ok || ae.Kind == apperr.KindInternal {
			return nil, err
		}
		return result(nil, &StepError{Code: ae.Code, Message: ae.Message}), nil
	}
	return result(out, nil), nil
}

func stringsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
