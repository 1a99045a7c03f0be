package flow

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
)

func validFlow() Flow {
	return Flow{Name: "f", Trigger: Trigger{Type: TriggerEvent, Event: "call.completed"}, Steps: []Step{
		{ID: "wait", Type: StepDelay, Duration: "10m"},
		{ID: "route", Type: StepBranch, Branches: []Branch{{When: `trigger.outcome == "x"`, Steps: []Step{
			{ID: "send", Type: StepSendTemplate, Sender: "1", To: "{{trigger.customer_phone}}", Template: &TemplateRef{Name: "t", Language: "pt_BR"},
				Variables: map[string]string{"1": "{{trigger.customer_name}}"}},
		}}}},
	}}
}

// Validation errors name the step and field at fault, with a stable code.
func TestValidationPointsAtStepAndField(t *testing.T) {
	t.Parallel()
	_, err := Compile(validFlow(), Options{})
	require.NoError(t, err)
	cases := []struct {
		name, field, code string
		edit              func(f *Flow)
	}{
		{"template name", "steps[1].branches[0].steps[0].template.name", "required", func(f *Flow) { f.Steps[1].Branches[0].Steps[0].Template.Name = "" }},
		{"bad template expr", "steps[1].branches[0].steps[0].variables.1", "invalid_template", func(f *Flow) {
			f.Steps[1].Branches[0].Steps[0].Variables["1"] = "{{tirgger.customer_name}}"
		}},
		{"unclosed", "steps[1].branches[0].steps[0].to", "invalid_template", func(f *Flow) { f.Steps[1].Branches[0].Steps[0].To = "{{trigger.x" }},
		{"condition", "steps[1].branches[0].when", "invalid_condition", func(f *Flow) { f.Steps[1].Branches[0].When = "trigger.outcome ==" }},
		{"duration", "steps[0].duration", "invalid_duration", func(f *Flow) { f.Steps[0].Duration = "ten minutes" }},
		{"until needs if_past", "steps[0].if_past", "required", func(f *Flow) { f.Steps[0].Duration, f.Steps[0].Until = "", "{{trigger.at}}" }},
		{"duplicate id", "steps[1].id", "duplicate_step", func(f *Flow) { f.Steps[1].ID = "wait" }},
		{"bad id", "steps[0].id", "invalid_step", func(f *Flow) { f.Steps[0].ID = "Wait Now" }},
		{"unknown type", "steps[0].type", "unknown_step_type", func(f *Flow) { f.Steps[0].Type = "sleep" }},
		{"ai not available", "steps[0].type", "step_not_available", func(f *Flow) { f.Steps[0] = Step{ID: "ai", Type: StepGenerateAIReply, Assistant: 1, Message: "hi"} }},
		{"event needs sender", "steps[1].branches[0].steps[0].sender", "required", func(f *Flow) { f.Steps[1].Branches[0].Steps[0].Sender = "" }},
		{"goto unknown", "steps[0].on_error", "unknown_step", func(f *Flow) { f.Steps[0].OnError = "goto:nowhere" }},
		{"retry attempts", "steps[0].retry.attempts", "invalid_retry", func(f *Flow) { f.Steps[0].Retry = &RetryPolicy{Attempts: 0, Wait: "1m"} }},
		{"trigger", "trigger.type", "invalid_trigger", func(f *Flow) { f.Trigger = Trigger{Type: "call.completed"} }},
		{"no steps", "steps", "invalid_flow", func(f *Flow) { f.Steps = nil }},
		{"http method", "steps[0].method", "invalid_step", func(f *Flow) { f.Steps[0] = Step{ID: "h", Type: StepHTTPRequest, Method: "FETCH", URL: "https://x"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fl := validFlow()
			tc.edit(&fl)
			_, err := Compile(fl, Options{})
			ae, ok := apperr.As(err)
			require.True(t, ok, "want an apperr, got %v", err)
			require.Equal(t, tc.field, ae.Field, ae.Message)
			require.Equal(t, tc.code, ae.Code, ae.Message)
			require.Equal(t, apperr.KindInvalid, ae.Kind)
		})
	}
	// With the AI wired, generate_ai_reply is accepted.
	fl := validFlow()
	fl.Steps[0] = Step{ID: "ai", Type: StepGenerateAIReply, Assistant: 1, Message: "{{trigger.text}}"}
	_, err = Compile(fl, Options{AI: true})
	require.NoError(t, err)
}

// Unknown fields in a file are errors, not silently dropped.
func TestParseIsStrict(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("name: x\ntrigger: {type: event, event: e}\nsteps: []\ndelay_typo: 1\n"), YAML)
	require.Error(t, err)
	require.Contains(t, err.Error(), "delay_typo")
	_, err = Parse([]byte(`{"name":"x","stpes":[]}`), JSON)
	require.Error(t, err)
}

func render(t *testing.T, src string, env map[string]any) (string, []Warning) {
	t.Helper()
	tp, err := CompileTemplate(src)
	require.NoError(t, err)
	return tp.Render(env)
}

func TestTemplating(t *testing.T) {
	t.Parallel()
	env := map[string]any{
		"trigger": map[string]any{"customer_name": "ana", "appointment_date": "2025-03-12T14:00:00-03:00", "phone": "+5511999990000", "n": 3.0},
		"contact": map[string]any{"name": "Ana Paula"}, "vars": map[string]any{"x": "v"},
		"steps": map[string]any{"ask": map[string]any{"text": "oi"}}, "now": time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC),
	}
	for src, want := range map[string]string{
		"Olá {{trigger.customer_name | upper()}}":                                           "Olá ANA",
		"{{contact.name | lower()}}":                                                        "ana paula",
		"{{steps.ask.text}} {{vars.x}}":                                                     "oi v",
		`{{trigger.nothing | default("cliente")}}`:                                          "cliente",
		`{{trigger.appointment_date | format_date("DD/MM/YYYY HH:mm")}}`:                    "12/03/2025 14:00", // in the time's own offset unless a zone is given
		`{{trigger.appointment_date | format_date("DD/MM às HH:mm", "America/Sao_Paulo")}}`: "12/03 às 14:00",
		"{{trigger.phone | phone()}}":                                                       "+55 11 99999-0000",
		"{{trigger.n * 2}} itens":                                                           "6 itens",
		`{{ now | format_date("YYYY-MM-DD") }}`:                                             "2025-03-10",
		"sem expressões":                                                                    "sem expressões",
		`{{ trigger.customer_name == "ana" ? "sim" : "não" }}`:                              "sim",
	} {
		got, warns := render(t, src, env)
		require.Equal(t, want, got, src)
		require.Empty(t, warns, src)
	}

	// A missing path renders empty with a named warning; it never fails.
	got, warns := render(t, "Oi {{trigger.customer.first_name}}!", env)
	require.Equal(t, "Oi !", got)
	require.Len(t, warns, 1)
	require.Equal(t, WarnMissingValue, warns[0].Code)
	require.Contains(t, warns[0].Message, "trigger.customer.first_name")
	got, warns = render(t, "{{steps.nope.text}}", env)
	require.Equal(t, "", got)
	require.Equal(t, WarnMissingValue, warns[0].Code)

	// Caps: output size, and evaluation cost (memory budget).
	got, warns = render(t, `{{ repeat("ab", 9000) }}`, env)
	require.Equal(t, MaxTemplateOutput, len(got))
	require.Equal(t, WarnTruncated, warns[0].Code)
	got, warns = render(t, `{{ len(map(1..1000000, # * 2)) }}`, env)
	require.Equal(t, "", got)
	require.Equal(t, ErrExprTooLarge, warns[0].Code)
	_, err := CompileTemplate("{{" + strings.Repeat("1+", 2000) + "1}}")
	require.Error(t, err, "too many nodes")
	_, err = CompileTemplate(strings.Repeat("x", MaxTemplateSource+1))
	require.Error(t, err)

	// Conditions: non-booleans are false with a warning; nil is false.
	prog, err := CompileExpr("trigger.customer_name")
	require.NoError(t, err)
	ok, warns := EvalCondition(prog, "trigger.customer_name", env)
	require.False(t, ok)
	require.Equal(t, WarnNotCondition, warns[0].Code)
	prog, err = CompileExpr(`trigger.missing == "x"`)
	require.NoError(t, err)
	ok, warns = EvalCondition(prog, "", env)
	require.False(t, ok)
	require.Empty(t, warns)
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]time.Duration{"10m": 10 * time.Minute, "1d": 24 * time.Hour, "1d12h": 36 * time.Hour, "-24h": -24 * time.Hour} {
		d, err := ParseDuration(s)
		require.NoError(t, err, s)
		require.Equal(t, want, d, s)
	}
	_, err := ParseDuration("soon")
	require.Error(t, err)
}
