package flow

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/nyaruka/phonenumbers"

	// Time zones for format_date, the same on every machine.
	_ "time/tzdata"
)

// Templating (F12). A template is text with {{ expression }} parts; the
// expressions are expr-lang programs over the run's context: trigger,
// contact, vars, steps, now. Following goflow, errors are values: a path
// that leads nowhere renders empty and leaves a named warning on the step,
// an expression that fails does the same, and nothing a template does can
// crash a run or run away with it (budgets below).

// Budgets on what a template may cost.
const (
	MaxTemplateSource = 10_000 // characters of one template's source
	MaxTemplateOutput = 10_000 // characters of one rendered template; more is cut
	maxExprNodes      = 500    // AST nodes of one expression
	exprMemoryBudget  = 20_000 // expr VM allocations and loop iterations per evaluation
)

// Warning codes recorded on a step.
const (
	WarnMissingValue  = "missing_value"    // an expression gave nothing (a path not in the data)
	WarnExprError     = "expression_error" // an expression failed at run time
	WarnTruncated     = "output_truncated" // the rendered text was over MaxTemplateOutput
	WarnNotCondition  = "not_a_condition"  // a branch condition did not give true or false
	WarnPastTimeSkip  = "time_in_past"     // a delay's computed time had passed
	WarnInvalidTime   = "invalid_time"     // a delay's until did not give a time
	WarnRecipientTest = "test_recipient"   // a test run sent to the test recipient instead
	// An expression that went over a resource cap (limits.go) is reported
	// with code ErrExprTooLarge; the step fails with it.
)

// Warning is something that went wrong without failing the step.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Template is a compiled template.
type Template struct {
	src   string
	parts []tplPart
}

type tplPart struct {
	lit  string
	code string
	prog *vm.Program
}

// compileEnv declares the context's names so a typo (tirgger.x) is caught
// when the flow is saved, not when it runs.
var compileEnv = map[string]any{
	"trigger": map[string]any{}, "contact": map[string]any{}, "vars": map[string]any{},
	"steps": map[string]any{}, "run": map[string]any{}, "now": time.Time{},
	meterVar: (*meter)(nil),
}

func exprOptions() []expr.Option {
	return append([]expr.Option{
		expr.Env(compileEnv),
		expr.MaxNodes(maxExprNodes),
		expr.Patch(optionalMembers{}),
		expr.DisableBuiltin("now"), // the run's clock is the "now" variable
		expr.DisableBuiltin("upper"),
		expr.DisableBuiltin("lower"),
		expr.Function("default", fnDefault),
		expr.Function("upper", func(a ...any) (any, error) { return strings.ToUpper(toText(arg(a, 0))), nil }),
		expr.Function("lower", func(a ...any) (any, error) { return strings.ToLower(toText(arg(a, 0))), nil }),
		expr.Function("format_date", fnFormatDate),
		expr.Function("phone", fnPhone),
	}, limitOptions()...)
}

// optionalMembers makes every a.b behave like a?.b: a missing path gives
// nil (reported as a warning), never an evaluation error.
type optionalMembers struct{}

func (optionalMembers) Visit(node *ast.Node) {
	if m, ok := (*node).(*ast.MemberNode); ok && !m.Optional {
		m.Optional = true
		ast.Patch(node, &ast.ChainNode{Node: m})
	}
}

// CompileExpr compiles one expression (a branch condition).
func CompileExpr(code string) (*vm.Program, error) {
	if len(code) > MaxTemplateSource {
		return nil, fmt.Errorf("the expression is longer than %d characters", MaxTemplateSource)
	}
	return expr.Compile(code, exprOptions()...)
}

// CompileTemplate compiles text with {{ expression }} parts.
func CompileTemplate(src string) (*Template, error) {
	if len(src) > MaxTemplateSource {
		return nil, fmt.Errorf("the template is longer than %d characters", MaxTemplateSource)
	}
	t := &Template{src: src}
	rest := src
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.parts = append(t.parts, tplPart{lit: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, tplPart{lit: rest[:i]})
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("unclosed {{ at character %d", len(src)-len(rest)+i+1)
		}
		code := strings.TrimSpace(rest[i+2 : i+j])
		if code == "" {
			return nil, fmt.Errorf("empty {{ }} at character %d", len(src)-len(rest)+i+1)
		}
		prog, err := expr.Compile(code, exprOptions()...)
		if err != nil {
			return nil, fmt.Errorf("in {{%s}}: %s", code, firstLine(err.Error()))
		}
		t.parts = append(t.parts, tplPart{code: code, prog: prog})
		rest = rest[i+j+2:]
	}
	return t, nil
}

// Source is the template's text.
func (t *Template) Source() string { return t.src }

// Render evaluates the template to text, with the warnings it produced.
func (t *Template) Render(env map[string]any) (string, []Warning) {
	if len(t.parts) == 1 && t.parts[0].prog == nil {
		return t.parts[0].lit, nil
	}
	var b strings.Builder
	var warns []Warning
	for _, p := range t.parts {
		if p.prog == nil {
			b.WriteString(p.lit)
			continue
		}
		v, w := evalPart(p, env)
		warns = append(warns, w...)
		b.WriteString(toText(v))
		if b.Len() > 4*MaxTemplateOutput {
			break // stop building early; cut below
		}
	}
	out := b.String()
	if utf8.RuneCountInString(out) > MaxTemplateOutput {
		out = string([]rune(out)[:MaxTemplateOutput])
		warns = append(warns, Warning{WarnTruncated, fmt.Sprintf("the text was cut to %d characters", MaxTemplateOutput)})
	}
	return out, warns
}

// Value evaluates a template that is one {{ expression }} to its typed
// value (a time stays a time); any other template renders as text.
func (t *Template) Value(env map[string]any) (any, []Warning) {
	if len(t.parts) == 1 && t.parts[0].prog != nil {
		return evalPart(t.parts[0], env)
	}
	return t.Render(env)
}

func evalPart(p tplPart, env map[string]any) (any, []Warning) {
	v, err := runProgram(p.prog, env)
	if tl, ok := err.(*tooLarge); ok {
		return nil, []Warning{{ErrExprTooLarge, "{{" + p.code + "}}: " + tl.why}}
	}
	if err != nil {
		return nil, []Warning{{WarnExprError, "{{" + p.code + "}}: " + firstLine(err.Error())}}
	}
	if v == nil {
		return nil, []Warning{{WarnMissingValue, "{{" + p.code + "}} has no value: rendered empty"}}
	}
	return v, nil
}

// tooLarge is an evaluation that went over a resource cap.
type tooLarge struct{ why string }

func (e *tooLarge) Error() string { return e.why }

// runProgram runs a program within the memory budget and the caps of
// limits.go (a *tooLarge error when it goes over one); a panic in a
// function becomes an error.
func runProgram(prog *vm.Program, env map[string]any) (v any, err error) {
	m := &meter{}
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("%v", r)
		}
		switch {
		case m.over != "":
			v, err = nil, &tooLarge{m.over}
		case budgetExceeded(err):
			v, err = nil, &tooLarge{fmt.Sprintf("it builds more than the %d elements an expression may", exprMemoryBudget)}
		}
	}()
	run := make(map[string]any, len(env)+1)
	for k, x := range env {
		run[k] = x
	}
	run[meterVar] = m
	machine := vm.VM{MemoryBudget: exprMemoryBudget}
	v, err = machine.Run(prog, run)
	if err == nil {
		err = checkResult(m, v)
	}
	return v, err
}

// EvalCondition runs a branch condition: true or false, nil counts as
// false; anything else is false with a warning.
func EvalCondition(prog *vm.Program, code string, env map[string]any) (bool, []Warning) {
	v, err := runProgram(prog, env)
	if tl, ok := err.(*tooLarge); ok {
		return false, []Warning{{ErrExprTooLarge, code + ": " + tl.why}}
	}
	if err != nil {
		return false, []Warning{{WarnExprError, code + ": " + firstLine(err.Error())}}
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case nil:
		return false, nil
	}
	return false, []Warning{{WarnNotCondition, fmt.Sprintf("%s gave %s, not true or false: treated as false", code, toText(v))}}
}

// toText renders a value as template output.
func toText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case time.Time:
		return x.Format(time.RFC3339)
	case time.Duration:
		return x.String()
	case fmt.Stringer:
		return x.String()
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func arg(a []any, i int) any {
	if i < len(a) {
		return a[i]
	}
	return nil
}

// fnDefault is value | default("fallback"): the fallback when the value is
// missing or empty.
func fnDefault(a ...any) (any, error) {
	if len(a) != 2 {
		return nil, fmt.Errorf("default takes a value and a fallback")
	}
	if a[0] == nil || a[0] == "" {
		return a[1], nil
	}
	return a[0], nil
}

// fnFormatDate is value | format_date("DD/MM/YYYY HH:mm"[, "America/Sao_Paulo"]).
func fnFormatDate(a ...any) (any, error) {
	if len(a) < 2 || len(a) > 3 {
		return nil, fmt.Errorf(`format_date takes a time, a layout such as "DD/MM/YYYY HH:mm" and an optional time zone`)
	}
	if a[0] == nil {
		return nil, nil
	}
	t, err := ParseTime(a[0])
	if err != nil {
		return nil, err
	}
	if len(a) == 3 {
		loc, err := zones.load(toText(a[2]))
		if err != nil {
			return nil, fmt.Errorf("unknown time zone %q", toText(a[2]))
		}
		t = t.In(loc)
	}
	return t.Format(goLayout(toText(a[1]))), nil
}

// zones keeps every time zone format_date has loaded: time.LoadLocation
// reads and parses the zone file from disk on every call, which a flow
// formatting a date per message paid for each one. Only zones that loaded
// are kept, so the cache is bounded by the IANA database (about 600).
var zones zoneCache

type zoneCache struct{ m sync.Map } // name → *time.Location

func (c *zoneCache) load(name string) (*time.Location, error) {
	if loc, ok := c.m.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	c.m.Store(name, loc)
	return loc, nil
}

// layoutTokens turns DD/MM/YYYY HH:mm:ss tokens into Go's reference layout;
// a Go layout passes through unchanged. Built once: a Replacer compiles
// its tokens on first use.
var layoutTokens = strings.NewReplacer("YYYY", "2006", "YY", "06", "MM", "01", "DD", "02", "HH", "15", "mm", "04", "ss", "05")

func goLayout(s string) string { return layoutTokens.Replace(s) }

// fnPhone formats an E.164 number for people: +55 11 99999-0000.
func fnPhone(a ...any) (any, error) {
	s := toText(arg(a, 0))
	if s == "" {
		return nil, nil
	}
	num, err := phonenumbers.Parse(s, "")
	if err != nil {
		return s, nil
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL), nil
}

// ParseTime reads a time from data: a time, RFC 3339, "2006-01-02 15:04",
// "2006-01-02T15:04", "2006-01-02" (UTC), or unix seconds.
func ParseTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case float64:
		return time.Unix(int64(x), 0).UTC(), nil
	case int:
		return time.Unix(int64(x), 0).UTC(), nil
	case int64:
		return time.Unix(x, 0).UTC(), nil
	}
	s := strings.TrimSpace(toText(v))
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2025-03-12T14:00:00-03:00)", s)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
