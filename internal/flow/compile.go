package flow

import (
	"regexp"
	"sort"
	"strings"

	"github.com/expr-lang/expr/vm"

	"github.com/zapflow/zapflow/internal/apperr"
)

// Compiled is a validated flow ready to run: its steps indexed by id, the
// static successor of every step, and every template and condition
// compiled once. Runs of one stored version share one Compiled (see
// cache.go), so a busy flow never recompiles.
type Compiled struct {
	Flow    Flow
	FlowID  int64
	Version int

	first string
	steps map[string]*Step
	next  map[string]string // where a step continues when it is done ("" = end of the flow)
	paths map[string]string // each step's field path (steps[2].branches[0].steps[1]), for errors
	tpl   map[string]*Template
	cond  map[string]*vm.Program
	regex *regexp.Regexp
	// asks holds the steps a wait_for_reply follows on the way the flow
	// runs when no branch is taken (next, next's next…): a reply that
	// comes while such a step waits for its send's outcome is kept for
	// it. A send with no question after it (a closing message) keeps
	// nothing and does not hold the conversation from the assistant.
	asks map[string]bool
}

// Options says which optional step types this installation offers.
type Options struct {
	// AI reports whether generate_ai_reply can run (the AI package is wired).
	AI bool
}

var stepIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Compile validates fl and compiles it. The error is an *apperr.Error whose
// Field points at the step and field at fault, e.g.
// steps[2].template.name.
func Compile(fl Flow, opt Options) (*Compiled, error) {
	c := &Compiled{Flow: fl, steps: map[string]*Step{}, next: map[string]string{}, paths: map[string]string{}, tpl: map[string]*Template{}, cond: map[string]*vm.Program{}}
	v := &validator{c: c, opt: opt}
	v.flow()
	if v.err != nil {
		return nil, v.err
	}
	c.link(fl.Steps, "")
	if len(fl.Steps) > 0 {
		c.first = fl.Steps[0].ID
	}
	c.asks = c.stepsBeforeAQuestion()
	return c, nil
}

// link records each step's successor: the next step of its list, or, for
// the last one, the successor of the step that owns the list (a branch or
// a wait's timeout path), so nested lists fall through to what follows.
func (c *Compiled) link(steps []Step, after string) {
	for i := range steps {
		s := &steps[i]
		c.steps[s.ID] = s
		nxt := after
		if i+1 < len(steps) {
			nxt = steps[i+1].ID
		}
		c.next[s.ID] = nxt
		for _, b := range s.Branches {
			c.link(b.Steps, nxt)
		}
		c.link(s.Else, nxt)
		c.link(s.OnTimeout, nxt)
	}
}

// stepsBeforeAQuestion finds, for each step, whether following next
// from it reaches a wait_for_reply (at most len(steps) hops: next has no
// cycles, but the bound costs nothing).
func (c *Compiled) stepsBeforeAQuestion() map[string]bool {
	out := map[string]bool{}
	for id := range c.steps {
		for n, hops := c.next[id], 0; n != "" && hops < len(c.steps); n, hops = c.next[n], hops+1 {
			if c.steps[n].Type == StepWaitForReply {
				out[id] = true
				break
			}
		}
	}
	return out
}

// Step returns a step by id.
func (c *Compiled) Step(id string) *Step { return c.steps[id] }

// HasStepType reports whether any step is of type t.
func (c *Compiled) HasStepType(t string) bool {
	for _, s := range c.steps {
		if s.Type == t {
			return true
		}
	}
	return false
}

// Matches tells whether a WhatsApp message trigger's filters accept a
// message from senderID/phoneNumberID with text.
func (c *Compiled) Matches(senderID, phoneNumberID, text string) bool {
	t := c.Flow.Trigger
	if t.Sender != "" && t.Sender != senderID && t.Sender != phoneNumberID {
		return false
	}
	if t.Contains != "" && !strings.Contains(strings.ToLower(text), strings.ToLower(t.Contains)) {
		return false
	}
	if c.regex != nil && !c.regex.MatchString(text) {
		return false
	}
	return true
}

// tplFor returns a step field's compiled template (nil when empty).
func (c *Compiled) tplFor(step, field string) *Template { return c.tpl[step+"\x00"+field] }

// validator walks a flow, compiling as it checks, and keeps the first
// error.
type validator struct {
	c   *Compiled
	opt Options
	err *apperr.Error
	ids map[string]string
}

func (v *validator) fail(field, code, msg string) {
	if v.err == nil {
		v.err = apperr.Invalid(field, code, msg)
	}
}

func (v *validator) flow() {
	fl := v.c.Flow
	switch {
	case strings.TrimSpace(fl.Name) == "":
		v.fail("name", "invalid_flow", "name is required")
	case len(fl.Name) > MaxNameLength:
		v.fail("name", "invalid_flow", "name is longer than 200 characters")
	}
	v.trigger(fl.Trigger)
	if len(fl.Steps) == 0 {
		v.fail("steps", "invalid_flow", "a flow needs at least one step")
	}
	v.ids = map[string]string{}
	n := 0
	Walk(fl.Steps, "steps", func(s *Step, path string, depth int) {
		n++
		if depth > MaxDepth {
			v.fail(path, "invalid_flow", "steps are nested more than 10 levels deep")
		}
		v.step(s, path)
	})
	if n > MaxSteps {
		v.fail("steps", "invalid_flow", "a flow has at most 500 steps")
	}
	// goto targets are checked once every id is known.
	Walk(fl.Steps, "steps", func(s *Step, path string, _ int) {
		if target, ok := strings.CutPrefix(s.OnError, "goto:"); ok {
			if _, found := v.ids[target]; !found {
				v.fail(path+".on_error", "unknown_step", "on_error goes to step "+target+", which does not exist")
			}
		}
	})
}

func (v *validator) trigger(t Trigger) {
	switch t.Type {
	case TriggerMessageReceived, TriggerConversationStarted:
		if t.Event != "" {
			v.fail("trigger.event", "invalid_trigger", "event is only for trigger type event")
		}
	case TriggerEvent:
		if strings.TrimSpace(t.Event) == "" || len(t.Event) > 100 {
			v.fail("trigger.event", "invalid_trigger", "event names the event type that starts the flow, e.g. call.completed")
		}
		if t.Sender != "" || t.Contains != "" || t.Regex != "" {
			v.fail("trigger", "invalid_trigger", "sender, contains and regex filter WhatsApp triggers only")
		}
	case "":
		v.fail("trigger.type", "invalid_trigger", "trigger.type is required: whatsapp.message_received, whatsapp.conversation_started or event")
	default:
		v.fail("trigger.type", "invalid_trigger", "unknown trigger type "+t.Type+": use whatsapp.message_received, whatsapp.conversation_started or event (with event: "+t.Type+")")
	}
	if (t.Contains != "" || t.Regex != "") && t.Type != TriggerMessageReceived {
		v.fail("trigger", "invalid_trigger", "contains and regex filter whatsapp.message_received only")
	}
	if t.Regex != "" {
		re, err := regexp.Compile(t.Regex)
		if err != nil {
			v.fail("trigger.regex", "invalid_trigger", "regex is not a valid regular expression: "+err.Error())
		}
		v.c.regex = re
	}
}

func (v *validator) step(s *Step, path string) {
	if !stepIDPattern.MatchString(s.ID) {
		v.fail(path+".id", "invalid_step", "id is required: lower case letters, digits and _, starting with a letter (it is how later steps refer to this one: {{steps."+orDefault(s.ID, "id")+".…}})")
		return
	}
	if prev, dup := v.ids[s.ID]; dup {
		v.fail(path+".id", "duplicate_step", "step id "+s.ID+" is already used by "+prev)
		return
	}
	v.ids[s.ID] = path
	v.c.paths[s.ID] = path
	kind, ok := lookupStepKind(s.Type)
	if !ok {
		v.fail(path+".type", "unknown_step_type", "unknown step type "+strconvQuote(s.Type)+": use one of "+strings.Join(StepTypes(), ", "))
		return
	}
	if s.Type == StepGenerateAIReply && !v.opt.AI {
		v.fail(path+".type", "step_not_available", "generate_ai_reply is not available yet")
		return
	}
	kind.validate(v, s, path)
	if s.Retry != nil {
		r := s.Retry
		if r.Attempts < 1 || r.Attempts > MaxAttempts {
			v.fail(path+".retry.attempts", "invalid_retry", "attempts counts every try (1 = no retry) and must be 1 to 10")
		}
		if d, err := ParseDuration(r.Wait); err != nil || d < 0 {
			v.fail(path+".retry.wait", "invalid_retry", "wait is a duration such as 30s, 1m or 1h")
		}
		if r.Backoff != 0 && (r.Backoff < 1 || r.Backoff > 10) {
			v.fail(path+".retry.backoff", "invalid_retry", "backoff multiplies each wait and must be 1 to 10")
		}
	}
	switch oe := s.OnError; {
	case oe == "", oe == "fail", oe == "continue", oe == "stop", strings.HasPrefix(oe, "goto:"):
	default:
		v.fail(path+".on_error", "invalid_on_error", "on_error is fail, continue, stop or goto:<step id>")
	}
}

// template compiles a templated field (empty is allowed unless required).
func (v *validator) template(s *Step, field, path, src string, required bool) {
	if src == "" {
		if required {
			v.fail(path, "required", field+" is required")
		}
		return
	}
	t, err := CompileTemplate(src)
	if err != nil {
		v.fail(path, "invalid_template", err.Error())
		return
	}
	v.c.tpl[s.ID+"\x00"+field] = t
}

func (v *validator) templateMap(s *Step, field, path string, m map[string]string) {
	for _, k := range sortedKeys(m) {
		v.template(s, field+"."+k, path+"."+k, m[k], false)
	}
}

func (v *validator) duration(path, src string, required bool) {
	if src == "" {
		if required {
			v.fail(path, "required", "a duration such as 10m, 2h or 1d is required")
		}
		return
	}
	if d, err := ParseDuration(src); err != nil || d < 0 {
		v.fail(path, "invalid_duration", "not a duration: use e.g. 30s, 10m, 2h, 1d")
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
