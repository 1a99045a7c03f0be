package flow

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Step types. The registry below is the one place a type is declared:
// leads and agent assignment add their rows here when they land.
const (
	StepSendTemplate    = "send_template"
	StepSendText        = "send_text"
	StepGenerateAIReply = "generate_ai_reply"
	StepDelay           = "delay"
	StepWaitForReply    = "wait_for_reply"
	StepBranch          = "branch"
	StepHTTPRequest     = "http_request"
	StepSetVariables    = "set_variables"
	StepStop            = "stop"
	StepUpdateLead      = "update_lead"
	StepAssignAgent     = "assign_agent"
	StepSendMedia       = "send_media"
	StepSendInteractive = "send_interactive"
)

// stepKind is a step type's behaviour: validate checks and compiles its
// fields at save time; run decides what one attempt does (pure).
type stepKind struct {
	validate func(v *validator, s *Step, path string)
	run      func(r *stepRun)
}

func lookupStepKind(t string) (stepKind, bool) {
	switch t {
	case StepSendTemplate:
		return stepKind{validateSend, runSend}, true
	case StepSendText:
		return stepKind{validateSend, runSend}, true
	case StepGenerateAIReply:
		return stepKind{validateAI, runAI}, true
	case StepDelay:
		return stepKind{validateDelay, runDelay}, true
	case StepWaitForReply:
		return stepKind{validateWaitReply, runWaitReply}, true
	case StepBranch:
		return stepKind{validateBranch, runBranch}, true
	case StepHTTPRequest:
		return stepKind{validateHTTP, runHTTP}, true
	case StepSetVariables:
		return stepKind{validateSet, runSet}, true
	case StepStop:
		return stepKind{func(*validator, *Step, string) {}, runStop}, true
	case StepUpdateLead:
		return stepKind{validateUpdateLead, runUpdateLead}, true
	case StepAssignAgent:
		return stepKind{validateAssignAgent, runAssignAgent}, true
	case StepSendMedia:
		return stepKind{validateSendMedia, runSendMedia}, true
	case StepSendInteractive:
		return stepKind{validateSendInteractive, runSendInteractive}, true
	}
	return stepKind{}, false
}

// StepTypes lists the step types, for error messages and the API.
func StepTypes() []string {
	return []string{StepSendTemplate, StepSendText, StepSendMedia, StepSendInteractive, StepGenerateAIReply, StepDelay, StepWaitForReply, StepBranch, StepHTTPRequest, StepSetVariables, StepStop, StepUpdateLead, StepAssignAgent}
}

// stepRun is one attempt of one step, with helpers that render fields
// and record warnings on the step.
type stepRun struct {
	e   *engine
	s   *Step
	rec *StepRecord
	env map[string]any
	// limit is the first expression of this attempt that went over a
	// resource cap (limits.go): the step fails with it.
	limit *StepError
}

func (r *stepRun) environment() map[string]any {
	if r.env == nil {
		r.env = r.e.env()
	}
	return r.env
}

func (r *stepRun) warn(ws ...Warning) { r.rec.Warnings = append(r.rec.Warnings, ws...) }

// note records a field's warnings, keeping an expression that went over
// a cap as the step's error instead.
func (r *stepRun) note(field string, ws []Warning) {
	for _, w := range ws {
		if w.Code != ErrExprTooLarge {
			r.warn(w)
			continue
		}
		if r.limit == nil {
			path := r.e.c.paths[r.s.ID] + "." + field
			r.limit = &StepError{Code: ErrExprTooLarge, Field: path, Message: "the expression in " + path + " is too large: " + w.Message}
		}
	}
}

// limited fails the step when one of its expressions went over a cap.
// Each run function calls it after rendering its fields and before it
// acts on them.
func (r *stepRun) limited() bool {
	if r.limit == nil {
		return false
	}
	r.e.failed(*r.limit)
	return true
}

// render renders a templated field ("" when the field is empty).
func (r *stepRun) render(field string) string {
	t := r.e.c.tplFor(r.s.ID, field)
	if t == nil {
		return ""
	}
	out, ws := t.Render(r.environment())
	r.note(field, ws)
	return out
}

// value evaluates a templated field keeping a single expression's type.
func (r *stepRun) value(field string) any {
	t := r.e.c.tplFor(r.s.ID, field)
	if t == nil {
		return nil
	}
	v, ws := t.Value(r.environment())
	r.note(field, ws)
	return v
}

func (r *stepRun) renderMap(field string, m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		out[k] = r.render(field + "." + k)
	}
	return out
}

func (r *stepRun) fail(code, msg string, retryable bool) {
	r.e.failed(StepError{Code: code, Message: msg, Retryable: retryable})
}

// --- send_template, send_text ---

// varKeyPattern matches messaging.Variables' keys: a placeholder (1, 2…
// or a name), header.<placeholder>, header.image|video|document|filename
// and button.<index>.
var varKeyPattern = regexp.MustCompile(`^(header\.)?[a-z0-9_]{1,64}$|^button\.[0-9]$`)

func validateSend(v *validator, s *Step, path string) {
	validateRecipient(v, s, path)
	rejectRichFields(v, s, path) // steps_rich.go
	if s.Type == StepSendText {
		v.template(s, "text", path+".text", s.Text, true)
		if s.Template != nil || len(s.Variables) > 0 {
			v.fail(path+".template", "invalid_step", "send_text sends text; use send_template for a template")
		}
		return
	}
	switch {
	case s.Template == nil:
		v.fail(path+".template", "required", "template is required: {name, language}")
	case strings.TrimSpace(s.Template.Name) == "":
		v.fail(path+".template.name", "required", "template.name is required")
	case strings.TrimSpace(s.Template.Language) == "":
		v.fail(path+".template.language", "required", "template.language is required, e.g. pt_BR")
	default:
		// Either may come from data ({{trigger.tpl}}), rendered when the
		// step runs.
		v.template(s, "template.name", path+".template.name", s.Template.Name, true)
		v.template(s, "template.language", path+".template.language", s.Template.Language, true)
	}
	if s.Text != "" {
		v.fail(path+".text", "invalid_step", "send_template sends a template; use send_text for text")
	}
	for _, k := range sortedKeys(s.Variables) {
		if !varKeyPattern.MatchString(k) {
			v.fail(path+".variables."+k, "invalid_variables", "variable names are the template's placeholders: 1, 2, 3… or a named parameter; header.<placeholder> or header.image, header.video, header.document (a link or media id) and header.filename for the header; button.<index> for a button's parameter")
		}
	}
	v.templateMap(s, "variables", path+".variables", s.Variables)
}

// validateRecipient checks the fields every sending step has: sender,
// to and recipient_name.
func validateRecipient(v *validator, s *Step, path string) {
	event := v.c.Flow.Trigger.Type == TriggerEvent
	v.template(s, "sender", path+".sender", s.Sender, event)
	if event && s.Sender == "" {
		v.fail(path+".sender", "required", "sender is required in flows started by an event (a sender id or its phone_number_id)")
	}
	v.template(s, "to", path+".to", s.To, false)
	if event && s.To == "" {
		v.fail(path+".to", "required", "to is required in flows started by an event, e.g. {{trigger.customer_phone}}")
	}
	v.template(s, "recipient_name", path+".recipient_name", s.RecipientName, false)
}

func runSend(r *stepRun) {
	send := &SendEffect{Type: "template", Sender: r.render("sender"), To: r.render("to"), RecipientName: r.render("recipient_name"), Bulk: r.s.Bulk}
	if r.s.Type == StepSendText {
		send.Type, send.Text = "text", r.render("text")
	} else {
		ref := TemplateRef{Name: strings.TrimSpace(r.render("template.name")), Language: strings.TrimSpace(r.render("template.language"))}
		send.Template, send.Variables = &ref, r.renderMap("variables", r.s.Variables)
	}
	if r.limited() {
		return
	}
	if t := send.Template; t != nil && (t.Name == "" || t.Language == "") {
		r.rec.Input = map[string]any{"template": map[string]any{"name": t.Name, "language": t.Language}}
		r.fail("template_not_found", "the template's name or language came out empty ("+r.s.Template.Name+", "+r.s.Template.Language+"): check the data it is read from", false)
		return
	}
	r.queueSend(send)
}

// queueSend fills a rendered send's defaults (the run's sender and
// contact, a test run's recipient), records the step's input and waits for
// the message's outcome.
func (r *stepRun) queueSend(send *SendEffect) {
	st := r.e.st
	if send.Sender == "" {
		send.Sender = st.Sender
	}
	if send.To == "" {
		send.To = toText(st.Contact["phone"])
	}
	if send.RecipientName == "" && r.s.RecipientName == "" {
		send.RecipientName = toText(st.Contact["name"])
	}
	if st.TestRecipient != "" && send.To != st.TestRecipient {
		r.warn(Warning{WarnRecipientTest, "test run: sent to " + st.TestRecipient + " instead of " + orDefault(send.To, "(empty)")})
		send.To = st.TestRecipient
	}
	r.rec.Input = map[string]any{"type": send.Type, "sender": send.Sender, "to": send.To}
	if send.RecipientName != "" {
		r.rec.Input["recipient_name"] = send.RecipientName
	}
	switch {
	case send.Template != nil:
		r.rec.Input["template"] = map[string]any{"name": send.Template.Name, "language": send.Template.Language}
		r.rec.Input["variables"] = stringMapAny(send.Variables)
	case send.Rich != nil:
		r.rec.Input[send.Type] = richInput(send) // steps_rich.go
	default:
		r.rec.Input["text"] = send.Text
	}
	r.e.wait(WaitSend, time.Time{}, Effect{Kind: EffectSend, Send: send})
}

// --- generate_ai_reply ---

func validateAI(v *validator, s *Step, path string) {
	if s.Assistant <= 0 {
		v.fail(path+".assistant", "required", "assistant is required: the id of an AI assistant")
	}
	v.template(s, "message", path+".message", s.Message, true)
	v.template(s, "customer", path+".customer", s.Customer, false)
	v.templateMap(s, "context", path+".context", s.Context)
}

func runAI(r *stepRun) {
	ai := &AIEffect{Assistant: r.s.Assistant, Customer: r.render("customer"), Message: r.render("message"), Context: r.renderMap("context", r.s.Context)}
	if r.limited() {
		return
	}
	if ai.Customer == "" {
		ai.Customer = toText(r.e.st.Contact["phone"])
	}
	r.rec.Input = map[string]any{"assistant": ai.Assistant, "customer": ai.Customer, "message": ai.Message}
	r.e.wait(WaitAI, time.Time{}, Effect{Kind: EffectAI, AI: ai})
}

// --- delay ---

func validateDelay(v *validator, s *Step, path string) {
	switch {
	case s.Duration == "" && s.Until == "":
		v.fail(path+".duration", "required", "a delay needs a duration (10m, 2h, 1d) or an until time such as {{trigger.appointment_date}}")
	case s.Duration != "" && s.Until != "":
		v.fail(path+".until", "invalid_step", "use either duration or until, not both")
	case s.Duration != "":
		v.duration(path+".duration", s.Duration, true)
		if s.Offset != "" || s.IfPast != "" {
			v.fail(path+".offset", "invalid_step", "offset and if_past go with until")
		}
	default:
		v.template(s, "until", path+".until", s.Until, true)
		if s.Offset != "" {
			if _, err := ParseDuration(s.Offset); err != nil {
				v.fail(path+".offset", "invalid_duration", "offset shifts the until time, e.g. -24h for a day before")
			}
		}
		if s.IfPast != "run" && s.IfPast != "skip" {
			v.fail(path+".if_past", "required", "if_past says what to do when the time has already passed: run (continue at once) or skip (end the run, recording why)")
		}
	}
}

func runDelay(r *stepRun) {
	e := r.e
	var at time.Time
	if r.s.Duration != "" {
		d, _ := ParseDuration(r.s.Duration)
		at = e.now.Add(d)
		r.rec.Input = map[string]any{"duration": r.s.Duration}
	} else {
		v := r.value("until")
		if r.limited() {
			return
		}
		t, err := ParseTime(v)
		if v == nil || err != nil {
			msg := "until gave no time"
			if err != nil {
				msg = err.Error()
			}
			r.fail(WarnInvalidTime, "the delay's until is not a time: "+msg, false)
			return
		}
		off, _ := ParseDuration(r.s.Offset)
		at = t.Add(off)
		r.rec.Input = map[string]any{"until": t.UTC().Format(time.RFC3339), "offset": r.s.Offset, "at": at.UTC().Format(time.RFC3339)}
	}
	if !at.After(e.now) {
		when := at.UTC().Format(time.RFC3339)
		if r.s.IfPast == "skip" {
			r.warn(Warning{WarnPastTimeSkip, "the delay's time " + when + " had already passed: the run ends here (if_past: skip)"})
			e.finishRec(StepSkipped, map[string]any{"skipped": true, "reason": "time " + when + " already passed"})
			e.end(StatusCompleted)
			return
		}
		r.warn(Warning{WarnPastTimeSkip, "the delay's time " + when + " had already passed: continuing at once (if_past: run)"})
		e.done(map[string]any{"waited": false})
		return
	}
	r.rec.Output = map[string]any{"until": at.UTC().Format(time.RFC3339)}
	e.wait(WaitDelay, at)
}

// --- wait_for_reply ---

// DefaultReplyTimeout bounds a wait_for_reply without a timeout.
const DefaultReplyTimeout = "24h"

func validateWaitReply(v *validator, s *Step, path string) {
	v.duration(path+".timeout", s.Timeout, false)
}

func runWaitReply(r *stepRun) {
	e := r.e
	if e.st.ConversationID == 0 {
		r.fail("no_conversation", "wait_for_reply needs a conversation: start the flow from a WhatsApp message or send a message first", false)
		return
	}
	d, _ := ParseDuration(orDefault(r.s.Timeout, DefaultReplyTimeout))
	r.rec.Input = map[string]any{"conversation_id": e.st.ConversationID, "timeout": orDefault(r.s.Timeout, DefaultReplyTimeout)}
	if early := e.st.EarlyReply; early != nil {
		e.st.EarlyReply = nil
		e.done(replyOutput(early))
		return
	}
	e.wait(WaitReply, e.now.Add(d))
}

// --- branch ---

func validateBranch(v *validator, s *Step, path string) {
	if len(s.Branches) == 0 {
		v.fail(path+".branches", "required", "a branch needs at least one condition")
	}
	if len(s.Branches) > MaxBranches {
		v.fail(path+".branches", "invalid_step", "a branch has at most 50 conditions")
	}
	for i, b := range s.Branches {
		p := path + ".branches[" + strconv.Itoa(i) + "].when"
		if strings.TrimSpace(b.When) == "" {
			v.fail(p, "required", `when is required: a condition such as trigger.outcome == "interested"`)
			continue
		}
		prog, err := CompileExpr(b.When)
		if err != nil {
			v.fail(p, "invalid_condition", firstLine(err.Error()))
			continue
		}
		v.c.cond[s.ID+"\x00"+strconv.Itoa(i)] = prog
	}
}

func runBranch(r *stepRun) {
	e := r.e
	for i, b := range r.s.Branches {
		ok, ws := EvalCondition(e.c.cond[r.s.ID+"\x00"+strconv.Itoa(i)], b.When, r.environment())
		r.note("branches["+strconv.Itoa(i)+"].when", ws)
		if r.limited() {
			return
		}
		if ok {
			r.follow(map[string]any{"branch": i, "when": b.When}, b.Steps)
			return
		}
	}
	r.follow(map[string]any{"branch": "else"}, r.s.Else)
}

// follow completes a branch and goes into steps (or past it when empty).
func (r *stepRun) follow(out map[string]any, steps []Step) {
	r.e.finishRec(StepCompleted, out)
	if len(steps) == 0 {
		r.e.enter(r.e.c.next[r.s.ID])
		return
	}
	r.e.enter(steps[0].ID)
}

// --- http_request ---

var httpMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true}

func validateHTTP(v *validator, s *Step, path string) {
	if !httpMethods[s.Method] {
		v.fail(path+".method", "invalid_step", "method is GET, POST, PUT, PATCH or DELETE")
	}
	v.template(s, "url", path+".url", s.URL, true)
	if s.URL != "" && !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") && !strings.HasPrefix(s.URL, "{{") {
		v.fail(path+".url", "invalid_step", "url must start with http:// or https://")
	}
	v.templateMap(s, "headers", path+".headers", s.Headers)
	walkBody(s.Body, "body", func(field, src string) { v.template(s, field, path+"."+field, src, false) })
}

// walkBody calls fn for every string in a JSON body, with its path.
func walkBody(b any, path string, fn func(field, src string)) {
	switch x := b.(type) {
	case string:
		fn(path, x)
	case map[string]any:
		for _, k := range sortedKeys(x) {
			walkBody(x[k], path+"."+k, fn)
		}
	case []any:
		for i, el := range x {
			walkBody(el, path+"["+strconv.Itoa(i)+"]", fn)
		}
	}
}

func (r *stepRun) renderBody(b any, path string) any {
	switch x := b.(type) {
	case string:
		return r.value(path)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			out[k] = r.renderBody(el, path+"."+k)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = r.renderBody(el, path+"["+strconv.Itoa(i)+"]")
		}
		return out
	}
	return b
}

func runHTTP(r *stepRun) {
	h := &HTTPEffect{Method: r.s.Method, URL: r.render("url"), Headers: r.renderMap("headers", r.s.Headers)}
	if r.s.Body != nil {
		h.Body = jsonValue(r.renderBody(r.s.Body, "body"))
	}
	if r.limited() {
		return
	}
	r.rec.Input = map[string]any{"method": h.Method, "url": h.URL}
	if h.Body != nil {
		r.rec.Input["body"] = h.Body
	}
	if !strings.HasPrefix(h.URL, "http://") && !strings.HasPrefix(h.URL, "https://") {
		r.fail("invalid_url", "the url "+strconvQuote(h.URL)+" does not start with http:// or https://", false)
		return
	}
	r.e.wait(WaitHTTP, time.Time{}, Effect{Kind: EffectHTTP, HTTP: h})
}

// --- set_variables ---

var varNamePattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,63}$`)

func validateSet(v *validator, s *Step, path string) {
	if len(s.Set) == 0 {
		v.fail(path+".set", "required", "set maps variable names to values, e.g. {name: '{{steps.ask_name.text}}'}")
	}
	for _, k := range sortedKeys(s.Set) {
		if !varNamePattern.MatchString(k) {
			v.fail(path+".set."+k, "invalid_step", "a variable name is letters, digits and _, starting with a letter")
		}
	}
	v.templateMap(s, "set", path+".set", s.Set)
}

func runSet(r *stepRun) {
	out := map[string]any{}
	keys := make([]string, 0, len(r.s.Set))
	for k := range r.s.Set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := jsonValue(r.value("set." + k))
		if r.limited() {
			return
		}
		r.e.st.Vars[k] = v // later keys may read earlier ones
		out[k] = v
	}
	r.e.done(out)
}

// --- stop ---

func runStop(r *stepRun) {
	r.e.finishRec(StepCompleted, map[string]any{"reason": r.s.Reason})
	r.e.end(StatusCompleted)
}

// jsonValue turns a template value into what JSON keeps (a time becomes
// RFC 3339 text), so state round-trips through storage unchanged.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case time.Duration:
		return x.String()
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case map[string]any:
		for k, el := range x {
			x[k] = jsonValue(el)
		}
	case []any:
		for i, el := range x {
			x[i] = jsonValue(el)
		}
	}
	return v
}

func stringMapAny(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func strconvQuote(s string) string { return strconv.Quote(s) }
