package flow

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// Resource caps on expressions ("everything has a size"). expr's own VM
// budget counts ranges and literals, but not what its builtins build:
// repeat allocates before it checks, string + is never counted, and join,
// replace, toJSON, string, toBase64, concat, flatten and split can each
// multiply their input. So every builder is replaced by a version that works out
// the size of its result before allocating it, + goes through one too,
// every loop charges its collection's length, and each evaluation's
// result is measured. Going over a cap fails the step with
// ErrExprTooLarge, naming the step and field: a template that could
// allocate without bound is a flow bug, not a value to render empty.

// ErrExprTooLarge is the step error of an expression that went over a cap.
const ErrExprTooLarge = "expression_too_large"

const (
	// MaxExprValue bounds any one string an expression builds and the
	// size (about its JSON length) of the value it gives.
	MaxExprValue = 1 << 20
	// maxExprBuilt bounds the bytes one evaluation builds in total, so a
	// loop of concatenations stops early instead of copying quadratically.
	maxExprBuilt = 4 << 20
	// maxExprIterations bounds the loop iterations of one evaluation
	// (map, filter, reduce… over data, nested ones included).
	maxExprIterations = 100_000
)

// meterVar is the hidden variable through which the capped functions
// reach the evaluation's meter; the patch below passes it to them.
const meterVar = "_zf_meter"

// meter is one evaluation's account of what it built and iterated.
type meter struct {
	built, iterations int
	over              string // why the evaluation went over a cap ("" while it did not)
}

// String keeps a stray {{_zf_meter}} from rendering anything.
func (*meter) String() string { return "" }

func (m *meter) fail(format string, a ...any) error {
	m.over = fmt.Sprintf(format, a...)
	return fmt.Errorf("%s", m.over)
}

// build charges n bytes about to be built.
func (m *meter) build(n int) error {
	if n > MaxExprValue {
		return m.fail("it builds a text of %d bytes (at most %d)", n, MaxExprValue)
	}
	m.built += n
	if m.built > maxExprBuilt {
		return m.fail("it builds more than %d bytes in total", maxExprBuilt)
	}
	return nil
}

// items charges a list of n elements about to be built.
func (m *meter) items(n int) error {
	if n > MaxExprValue/8 {
		return m.fail("it builds a list of %d elements (at most %d)", n, MaxExprValue/8)
	}
	return m.build(n * 8)
}

func meterOf(a []any) (*meter, []any, error) {
	if len(a) > 0 {
		if m, ok := a[0].(*meter); ok && m != nil {
			return m, a[1:], nil
		}
	}
	return nil, nil, fmt.Errorf("this function is not available here")
}

// cappedFuncs are the builders replaced by capped versions; calls to them
// get the meter as their first argument.
var cappedFuncs = map[string]func(m *meter, a []any) (any, error){
	"repeat":   capRepeat,
	"join":     capJoin,
	"replace":  capReplace,
	"toJSON":   capToJSON,
	"string":   capString,
	"toBase64": capToBase64,
	"concat":   capConcat,
	"flatten":  capFlatten,
	"split":    func(m *meter, a []any) (any, error) { return capSplit(m, a, strings.SplitN) },
	"splitAfter": func(m *meter, a []any) (any, error) {
		return capSplit(m, a, strings.SplitAfterN)
	},
	"_zf_add":  capAdd,
	"_zf_iter": capIter,
}

// loopBuiltins take a collection and run a predicate over it.
var loopBuiltins = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true, "find": true, "findIndex": true,
	"findLast": true, "findLastIndex": true, "count": true, "sum": true, "groupBy": true, "sortBy": true, "reduce": true,
}

// limitOptions declares the capped functions and the patch that routes
// + and loops through them.
func limitOptions() []expr.Option {
	opts := []expr.Option{expr.Patch(limitPatch{})}
	for _, name := range sortedKeys(cappedFuncs) {
		fn := cappedFuncs[name]
		if !strings.HasPrefix(name, "_zf_") {
			opts = append(opts, expr.DisableBuiltin(name))
		}
		opts = append(opts, expr.Function(name, func(a ...any) (any, error) {
			m, rest, err := meterOf(a)
			if err != nil {
				return nil, err
			}
			return fn(m, rest)
		}))
	}
	return opts
}

// limitPatch rewrites a + b into _zf_add(meter, a, b), gives every capped
// function the meter, and wraps a loop's collection in _zf_iter.
type limitPatch struct{}

func (limitPatch) Visit(node *ast.Node) {
	meterNode := func() ast.Node { return &ast.IdentifierNode{Value: meterVar} }
	call := func(name string, args ...ast.Node) *ast.CallNode {
		return &ast.CallNode{Callee: &ast.IdentifierNode{Value: name}, Arguments: append([]ast.Node{meterNode()}, args...)}
	}
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		if n.Operator == "+" {
			ast.Patch(node, call("_zf_add", n.Left, n.Right))
		}
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok || cappedFuncs[id.Value] == nil || strings.HasPrefix(id.Value, "_zf_") {
			return
		}
		if len(n.Arguments) > 0 {
			if a, ok := n.Arguments[0].(*ast.IdentifierNode); ok && a.Value == meterVar {
				return // already given
			}
		}
		n.Arguments = append([]ast.Node{meterNode()}, n.Arguments...)
	case *ast.BuiltinNode:
		if loopBuiltins[n.Name] && len(n.Arguments) > 0 {
			n.Arguments[0] = call("_zf_iter", n.Arguments[0])
		}
	}
}

func capAdd(m *meter, a []any) (any, error) {
	if len(a) != 2 {
		return nil, fmt.Errorf("+ takes two values")
	}
	if x, ok := a[0].(string); ok {
		if y, ok := a[1].(string); ok {
			if err := m.build(len(x) + len(y)); err != nil {
				return nil, err
			}
			return x + y, nil
		}
	}
	return runtime.Add(a[0], a[1]), nil
}

func capIter(m *meter, a []any) (any, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("a loop takes one collection")
	}
	v := reflect.ValueOf(a[0])
	switch v.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		m.iterations += v.Len()
		if m.iterations > maxExprIterations {
			return nil, m.fail("it loops more than %d times", maxExprIterations)
		}
	}
	return a[0], nil
}

func capRepeat(m *meter, a []any) (any, error) {
	if len(a) != 2 {
		return nil, fmt.Errorf("repeat takes a text and a count")
	}
	s := toText(a[0])
	n := runtime.ToInt(a[1])
	if n < 0 {
		return nil, fmt.Errorf("repeat needs a count of 0 or more, not %d", n)
	}
	if len(s) > 0 && n > MaxExprValue/len(s) {
		return nil, m.fail("it repeats a text of %d bytes %d times (at most %d bytes)", len(s), n, MaxExprValue)
	}
	if err := m.build(len(s) * n); err != nil {
		return nil, err
	}
	return strings.Repeat(s, n), nil
}

func capJoin(m *meter, a []any) (any, error) {
	if len(a) < 1 || len(a) > 2 {
		return nil, fmt.Errorf("join takes a list and an optional separator")
	}
	glue := toText(arg(a, 1))
	list, ok := asList(a[0])
	if !ok {
		return nil, fmt.Errorf("join takes a list")
	}
	parts := make([]string, 0, len(list))
	size := 0
	for _, el := range list {
		s := toTextCapped(m, el)
		if m.over != "" {
			return nil, fmt.Errorf("%s", m.over)
		}
		size += len(s) + len(glue)
		if size > MaxExprValue {
			return nil, m.fail("it joins more than %d bytes", MaxExprValue)
		}
		parts = append(parts, s)
	}
	if err := m.build(size); err != nil {
		return nil, err
	}
	return strings.Join(parts, glue), nil
}

func capReplace(m *meter, a []any) (any, error) {
	if len(a) < 3 || len(a) > 4 {
		return nil, fmt.Errorf("replace takes a text, what to replace, its replacement and an optional count")
	}
	s, old, repl := toText(a[0]), toText(a[1]), toText(a[2])
	n := -1
	if len(a) == 4 {
		n = runtime.ToInt(a[3])
	}
	count := strings.Count(s, old) // for "" it is the number of runes + 1
	if n >= 0 && n < count {
		count = n
	}
	if grow := len(repl) - len(old); grow > 0 && count > 0 {
		if count > (MaxExprValue-len(s))/grow {
			return nil, m.fail("replacing gives a text of more than %d bytes", MaxExprValue)
		}
		if err := m.build(len(s) + count*grow); err != nil {
			return nil, err
		}
	}
	return strings.Replace(s, old, repl, n), nil
}

func capToJSON(m *meter, a []any) (any, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("toJSON takes one value")
	}
	if err := m.build(sizeOf(a[0], MaxExprValue+1) * 2); err != nil { // indented: up to about twice as long
		return nil, err
	}
	b, err := json.MarshalIndent(a[0], "", "  ")
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func capString(m *meter, a []any) (any, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("string takes one value")
	}
	if s, ok := a[0].(string); ok {
		return s, nil
	}
	if err := m.build(sizeOf(a[0], MaxExprValue+1) * 2); err != nil {
		return nil, err
	}
	return fmt.Sprintf("%v", a[0]), nil
}

func capToBase64(m *meter, a []any) (any, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("toBase64 takes one text")
	}
	s := toText(a[0])
	if err := m.build(base64.StdEncoding.EncodedLen(len(s))); err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// capSplit counts the parts before splitting: splitting a long text on
// "" makes a list of one element per character.
func capSplit(m *meter, a []any, split func(s, sep string, n int) []string) (any, error) {
	if len(a) < 2 || len(a) > 3 {
		return nil, fmt.Errorf("split takes a text, a separator and an optional count")
	}
	s, sep := toText(a[0]), toText(a[1])
	n := -1
	if len(a) == 3 {
		n = runtime.ToInt(a[2])
	}
	parts := strings.Count(s, sep) + 1
	if n >= 0 && n < parts {
		parts = n
	}
	if err := m.items(parts); err != nil {
		return nil, err
	}
	out := split(s, sep, n)
	list := make([]any, len(out))
	for i, p := range out {
		list[i] = p
	}
	return list, nil
}

func capConcat(m *meter, a []any) (any, error) {
	if len(a) == 0 {
		return nil, fmt.Errorf("concat takes one or more lists")
	}
	n := 0
	lists := make([][]any, 0, len(a))
	for _, x := range a {
		l, ok := asList(x)
		if !ok {
			return nil, fmt.Errorf("concat takes lists")
		}
		n += len(l)
		lists = append(lists, l)
	}
	if err := m.items(n); err != nil {
		return nil, err
	}
	out := make([]any, 0, n)
	for _, l := range lists {
		out = append(out, l...)
	}
	return out, nil
}

func capFlatten(m *meter, a []any) (any, error) {
	if len(a) != 1 {
		return nil, fmt.Errorf("flatten takes one list")
	}
	l, ok := asList(a[0])
	if !ok {
		return nil, fmt.Errorf("flatten takes a list")
	}
	// Count first (stopping at the cap): nested references to one list
	// can describe far more elements than memory holds.
	limit := MaxExprValue/8 + 1
	if n := countLeaves(l, limit, 0); n >= limit {
		return nil, m.fail("flattening gives more than %d elements", MaxExprValue/8)
	} else if err := m.items(n); err != nil {
		return nil, err
	}
	var out []any
	var rec func(l []any, depth int)
	rec = func(l []any, depth int) {
		for _, el := range l {
			if sub, ok := asList(el); ok && depth < 100 {
				rec(sub, depth+1)
				continue
			}
			out = append(out, el)
		}
	}
	rec(l, 0)
	if out == nil {
		out = []any{}
	}
	return out, nil
}

func countLeaves(l []any, limit, depth int) int {
	n := 0
	for _, el := range l {
		if sub, ok := asList(el); ok && depth < 100 {
			n += countLeaves(sub, limit-n, depth+1)
		} else {
			n++
		}
		if n >= limit {
			return n
		}
	}
	return n
}

// asList reads any slice as []any.
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// toTextCapped is toText that first checks what a list or map would
// render to.
func toTextCapped(m *meter, v any) string {
	switch v.(type) {
	case map[string]any, []any:
		if n := sizeOf(v, MaxExprValue+1); n > MaxExprValue {
			_ = m.fail("it renders a value of more than %d bytes", MaxExprValue)
			return ""
		}
	}
	return toText(v)
}

// sizeOf estimates v's JSON length, giving up once it reaches limit (a
// list of references to one big list is measured without walking it all).
func sizeOf(v any, limit int) int {
	n := 0
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if n >= limit {
			return
		}
		switch x := v.(type) {
		case nil:
			n += 4
		case string:
			n += len(x) + 2
		case map[string]any:
			n += 2
			for k, el := range x {
				n += len(k) + 4
				walk(el, depth+1)
				if n >= limit {
					return
				}
			}
		case []any:
			n += 2
			for _, el := range x {
				n++
				walk(el, depth+1)
				if n >= limit {
					return
				}
			}
		default:
			rv := reflect.ValueOf(v)
			if (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && depth < 100 {
				for i := 0; i < rv.Len() && n < limit; i++ {
					n++
					walk(rv.Index(i).Interface(), depth+1)
				}
				return
			}
			n += 8
		}
	}
	walk(v, 0)
	return n
}

// checkResult measures an evaluation's result.
func checkResult(m *meter, v any) error {
	if s, ok := v.(string); ok {
		if len(s) > MaxExprValue {
			return m.fail("it gives a text of %d bytes (at most %d)", len(s), MaxExprValue)
		}
		return nil
	}
	if n := sizeOf(v, MaxExprValue+1); n > MaxExprValue {
		return m.fail("it gives a value of more than %d bytes", MaxExprValue)
	}
	return nil
}

// budgetExceeded recognises expr's own memory budget error (ranges and
// literals larger than the VM budget).
func budgetExceeded(err error) bool {
	return err != nil && strings.Contains(err.Error(), "memory budget exceeded")
}
