package flow

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
)

var leadT0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func leadFlow(steps ...Step) Flow {
	return Flow{Name: "leads", Trigger: Trigger{Type: TriggerMessageReceived}, Steps: steps}
}

// The lead steps are checked when a flow is saved, naming the field.
func TestLeadStepsValidation(t *testing.T) {
	t.Parallel()
	ok := []Step{
		{ID: "q", Type: StepUpdateLead, Status: "qualified", Tags: []string{"hot", "{{lower(trigger.text)}}"}, Notes: "said {{trigger.text}}",
			Fields: map[string]string{"interest": "{{vars.interest}}"}},
		{ID: "s", Type: StepUpdateLead, Status: "{{vars.status}}"},
		{ID: "a", Type: StepAssignAgent, Mode: AssignModeAgent, Agent: "ana@example.com"},
		{ID: "b", Type: StepAssignAgent, Mode: AssignModeAgent, Agent: "{{trigger.agent_email}}"},
		{ID: "c", Type: StepAssignAgent, Mode: AssignModeRoundRobin},
		{ID: "d", Type: StepAssignAgent, Mode: AssignModeUnassign},
	}
	_, err := Compile(leadFlow(ok...), Options{})
	require.NoError(t, err)

	cases := []struct {
		name, field, code string
		step              Step
	}{
		{"nothing to update", "steps[0].status", "required", Step{ID: "u", Type: StepUpdateLead}},
		{"unknown status", "steps[0].status", "invalid_status", Step{ID: "u", Type: StepUpdateLead, Status: "won"}},
		{"bad status template", "steps[0].status", "invalid_template", Step{ID: "u", Type: StepUpdateLead, Status: "{{vars.x"}},
		{"empty tag", "steps[0].tags[1]", "required", Step{ID: "u", Type: StepUpdateLead, Tags: []string{"a", " "}}},
		{"bad tag template", "steps[0].tags[0]", "invalid_template", Step{ID: "u", Type: StepUpdateLead, Tags: []string{"{{x"}}},
		{"bad field name", "steps[0].fields.my field", "invalid_step", Step{ID: "u", Type: StepUpdateLead, Fields: map[string]string{"my field": "x"}}},
		{"mode on update", "steps[0].mode", "invalid_step", Step{ID: "u", Type: StepUpdateLead, Status: "new", Mode: "round_robin"}},
		{"no mode", "steps[0].mode", "required", Step{ID: "a", Type: StepAssignAgent}},
		{"bad mode", "steps[0].mode", "invalid_step", Step{ID: "a", Type: StepAssignAgent, Mode: "random"}},
		{"agent needs email", "steps[0].agent", "required", Step{ID: "a", Type: StepAssignAgent, Mode: AssignModeAgent}},
		{"agent not an email", "steps[0].agent", "invalid_step", Step{ID: "a", Type: StepAssignAgent, Mode: AssignModeAgent, Agent: "Ana"}},
		{"agent with round robin", "steps[0].agent", "invalid_step", Step{ID: "a", Type: StepAssignAgent, Mode: AssignModeRoundRobin, Agent: "a@b.c"}},
		{"status on assign", "steps[0].status", "invalid_step", Step{ID: "a", Type: StepAssignAgent, Mode: AssignModeUnassign, Status: "new"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(leadFlow(tc.step), Options{})
			ae, ok := apperr.As(err)
			require.True(t, ok, "want an apperr, got %v", err)
			require.Equal(t, tc.field, ae.Field, ae.Message)
			require.Equal(t, tc.code, ae.Code, ae.Message)
			require.Equal(t, apperr.KindInvalid, ae.Kind)
		})
	}
}

// A status that a template renders into something else fails the step
// without touching any lead; a refusal from the host follows on_error.
func TestLeadStepsAtRunTime(t *testing.T) {
	t.Parallel()
	c, err := Compile(leadFlow(
		Step{ID: "u", Type: StepUpdateLead, Status: "{{trigger.status}}", OnError: "continue"},
		Step{ID: "a", Type: StepAssignAgent, Mode: AssignModeAgent, Agent: "{{trigger.agent}}", OnError: "continue"},
	), Options{})
	require.NoError(t, err)
	st := NewState(1, map[string]any{"status": "won", "agent": "nobody@example.com"}, map[string]any{"id": 5}, 3, "1", leadT0)
	st, effects, changed := Advance(c, st, Input{Kind: InputStart, Now: leadT0})
	require.True(t, changed)
	require.Equal(t, "invalid_status", st.Log[0].Error.Code)
	require.Equal(t, StepFailed, st.Log[0].Status)
	// update_lead failed before any effect; assign_agent asks the host.
	var lead []Effect
	for _, ef := range effects {
		if ef.Kind == EffectLead {
			lead = append(lead, ef)
		}
	}
	require.Len(t, lead, 1)
	require.Equal(t, LeadEffect{Op: LeadAssign, Mode: AssignModeAgent, Agent: "nobody@example.com"}, *lead[0].Lead)
	require.Equal(t, WaitLead, st.Wait.Kind)

	st, _, changed = Advance(c, st, Input{Kind: InputResult, Now: leadT0, Key: st.Wait.Key,
		Err: &StepError{Code: "agent_not_found", Message: "no active user has this email"}})
	require.True(t, changed)
	require.Equal(t, StatusCompleted, st.Status)
	require.Equal(t, "agent_not_found", st.Log[1].Error.Code)
}
