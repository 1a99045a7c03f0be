package flow

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
)

// runOnce compiles fl and starts a run of it at a fixed time.
func runOnce(t *testing.T, fl Flow, trigger map[string]any) (State, []Effect) {
	t.Helper()
	c, err := Compile(fl, Options{})
	require.NoError(t, err)
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	st, effects, changed := Advance(c, NewState(1, trigger, map[string]any{"phone": "+5511999990000"}, 0, "1", now), Input{Kind: InputStart, Now: now})
	require.True(t, changed)
	return st, effects
}

// An expression that would build a huge value fails its step with
// expression_too_large, naming the step and field, before it allocates:
// a huge repeat, a loop of concatenations, a list built over a huge range,
// and a set of variables that must not be half-stored in a sent text.
func TestExpressionCapsFailTheStep(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"repeat":            `{{ repeat("x", 100000000) }}`,
		"concatenation":     `{{ reduce(1..10000, #acc + "0123456789012345678901234567890123456789", "") }}`,
		"doubling":          `{{ let a = repeat("x", 9000); let b = a+a; let c = b+b; let d = c+c; let e = d+d; let f = e+e; let g = f+f; let h = g+g; h+h+h+h+h+h+h+h+h }}`,
		"map over a range":  `{{ map(1..10000000, # * 2) }}`,
		"nested data loops": `{{ map(trigger.list, map(trigger.list, #)) }}`,
	} {
		t.Run(name, func(t *testing.T) {
			list := make([]any, 5000)
			for i := range list {
				list[i] = float64(i)
			}
			fl := Flow{Name: "caps", Trigger: Trigger{Type: TriggerEvent, Event: "e"}, Steps: []Step{
				{ID: "first", Type: StepSetVariables, Set: map[string]string{"ok": "fine"}},
				{ID: "big", Type: StepSetVariables, Set: map[string]string{"value": src}},
			}}
			st, _ := runOnce(t, fl, map[string]any{"list": list})
			require.Equal(t, StatusFailed, st.Status)
			require.NotNil(t, st.Error)
			require.Equal(t, ErrExprTooLarge, st.Error.Code)
			require.Equal(t, "steps[1].set.value", st.Error.Field)
			require.Contains(t, st.Error.Message, "steps[1].set.value")
			require.NotContains(t, st.Vars, "value")
			require.Equal(t, StepFailed, st.Log[1].Status)
		})
	}

	// A send whose text is too large queues nothing.
	fl := Flow{Name: "send", Trigger: Trigger{Type: TriggerEvent, Event: "e"}, Steps: []Step{
		{ID: "say", Type: StepSendText, Sender: "1", To: "+5511999990000", Text: `Oi {{ repeat(trigger.name, 1000000) }}`},
	}}
	st, effects := runOnce(t, fl, map[string]any{"name": "Ana"})
	require.Equal(t, StatusFailed, st.Status)
	require.Equal(t, "steps[0].text", st.Error.Field)
	for _, ef := range effects {
		require.NotEqual(t, EffectSend, ef.Kind)
	}

	// A branch condition too.
	fl = Flow{Name: "branch", Trigger: Trigger{Type: TriggerEvent, Event: "e"}, Steps: []Step{
		{ID: "route", Type: StepBranch, Branches: []Branch{{When: `len(repeat("ab", 10000000)) > 1`}}},
	}}
	st, _ = runOnce(t, fl, nil)
	require.Equal(t, ErrExprTooLarge, st.Error.Code)
	require.Equal(t, "steps[0].branches[0].when", st.Error.Field)
}

// Every builtin that can multiply its input is capped; the same builtins
// on ordinary sizes still work.
func TestExpressionCapsOnBuilders(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 10_000)
	env := map[string]any{"trigger": map[string]any{"big": big, "list": []any{big, big, big}}}
	for _, src := range []string{
		`{{ join(map(1..200, trigger.big), "") }}`,
		`{{ replace(trigger.big, "x", trigger.big) }}`,
		`{{ toJSON(map(1..200, trigger.list)) }}`,
		`{{ string(map(1..200, trigger.list)) }}`,
		`{{ flatten(map(1..15000, map(1..15000, #))) }}`,
		`{{ concat(map(1..15000, #), map(1..15000, #), map(1..15000, #), map(1..15000, #), map(1..15000, #), map(1..15000, #), map(1..15000, #), map(1..15000, #), map(1..15000, #)) }}`,
		`{{ toBase64(repeat(trigger.big, 100)) }}`,
		`{{ map(1..200, trigger.list) }}`,
		`{{ split(repeat(trigger.big, 100), "") }}`,
	} {
		_, warns := render(t, src, env)
		require.NotEmpty(t, warns, src)
		require.Equal(t, ErrExprTooLarge, warns[0].Code, src)
	}
	for src, want := range map[string]string{
		`{{ join(["a", "b"], "-") }}`:           "a-b",
		`{{ replace("a.b.c", ".", "/") }}`:      "a/b/c",
		`{{ toJSON({"a": 1}) }}`:                "{\n  \"a\": 1\n}",
		`{{ repeat("ab", 3) }}`:                 "ababab",
		`{{ "a" + "b" }}{{ 1 + 2 }}`:            "ab3",
		`{{ len(concat([1], [2, 3])) }}`:        "3",
		`{{ flatten([[1], [2, [3]]]) }}`:        "[1,2,3]",
		`{{ toBase64("oi") }}`:                  "b2k=",
		`{{ string(12) }}`:                      "12",
		`{{ sum(map([1, 2, 3], # * 2)) }}`:      "12",
		`{{ (now + duration("1h")).Hour() }}`:   "13",
		`{{ reduce(1..3, #acc + #, 0) }}`:       "6",
		`{{ count(["a", "b"], # == "a") }}`:     "1",
		`{{ "n" + string(len(trigger.list)) }}`: "n3",
	} {
		env := map[string]any{"trigger": env["trigger"], "now": time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
		got, warns := render(t, src, env)
		require.Equal(t, want, got, src)
		require.Empty(t, warns, src)
	}
}

// A small YAML file whose aliases expand to megabytes is refused before
// it is built, with flow_too_large; modest aliasing still reads.
func TestYAMLAliasExpansionIsCapped(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("name: bomb\ntrigger: {type: event, event: e}\nsteps:\n  - id: call\n    type: http_request\n    method: POST\n    url: https://example.com\n    body:\n")
	b.WriteString(`      a: &a ["` + strings.Repeat("x", 50) + `"` + strings.Repeat(`, "`+strings.Repeat("x", 50)+`"`, 9) + "]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f"} {
		b.WriteString("      " + name + ": &" + name + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 10), ", ") + "]\n")
		prev = name
	}
	require.Less(t, b.Len(), 2000, "the file itself is small")
	_, err := Parse([]byte(b.String()), YAML)
	require.Error(t, err)
	ae, ok := apperr.As(err)
	require.True(t, ok)
	require.Equal(t, "flow_too_large", ae.Code)

	ok2 := "name: fine\ntrigger: {type: event, event: e}\nsteps:\n  - id: call\n    type: http_request\n    method: POST\n    url: https://example.com\n    body:\n      a: &a [1, 2]\n      b: *a\n"
	fl, err := Parse([]byte(ok2), YAML)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": []any{1.0, 2.0}, "b": []any{1.0, 2.0}}, fl.Steps[0].Body)
}
