package flow

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/messaging"
)

// Run statuses.
const (
	StatusRunning   = "running"
	StatusWaiting   = "waiting"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

// Step record statuses.
const (
	StepRunning   = "running"
	StepWaiting   = "waiting"
	StepCompleted = "completed"
	StepSkipped   = "skipped"
	StepFailed    = "failed"
	StepCancelled = "cancelled"
)

// Wait kinds: what a waiting run needs before it moves on.
const (
	WaitSend  = "send"  // the outcome of a queued message
	WaitHTTP  = "http"  // an http_request job's result
	WaitAI    = "ai"    // a generate_ai_reply job's result
	WaitDelay = "delay" // a wake-up at Until
	WaitRetry = "retry" // a wake-up at Until to try the step again
	WaitReply = "reply" // the customer's next message (or the timeout at Until)
	WaitLead  = "lead"  // an update_lead or assign_agent change, made in the same commit
)

// Loop guards, like goflow's MaxStepsPerSprint: a run that keeps going
// (a goto loop) fails with a named error instead of spinning.
const (
	maxStepsPerAdvance = 100
	maxStepsPerRun     = 1000
)

// State is a run's whole state, stored as one JSON document (goflow's
// session blob): where the run is, what it waits for, the data templates
// read, and the history of every step.
type State struct {
	RunID          int64          `json:"run_id"`
	Status         string         `json:"status"`
	Trigger        map[string]any `json:"trigger"`
	Contact        map[string]any `json:"contact"`
	ConversationID int64          `json:"conversation_id,omitempty"`
	// Sender is the default sender of send steps: the trigger's sender.
	Sender string `json:"sender,omitempty"`
	// TestRecipient, in a test run (F17), receives every message instead
	// of the step's "to".
	TestRecipient string         `json:"test_recipient,omitempty"`
	Vars          map[string]any `json:"vars"`
	Outputs       map[string]any `json:"steps"`
	Current       string         `json:"current,omitempty"`
	Attempt       int            `json:"attempt,omitempty"`
	Wait          *Wait          `json:"wait,omitempty"`
	// EarlyReply is a customer's message that came while the run waited
	// for the outcome of a message it sent (the customer saw the question
	// before we heard it was sent). The next wait_for_reply takes it at
	// once; the next send drops it.
	EarlyReply map[string]any `json:"early_reply,omitempty"`
	Visits     int            `json:"visits"`
	Log        []StepRecord   `json:"log"`
	Error      *StepError     `json:"error,omitempty"`
	// Reason says why a run was cancelled (the customer asked the bot to
	// stop, the flow was deleted…).
	Reason    string    `json:"reason,omitempty"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
}

// Wait is what a waiting run waits for. Key names the awaited input; an
// input with another key is stale and changes nothing.
type Wait struct {
	Kind  string    `json:"kind"`
	Step  string    `json:"step"`
	Key   string    `json:"key"`
	Until time.Time `json:"until,omitzero"`
}

// StepRecord is one visit of a step, for run history.
type StepRecord struct {
	Step      string         `json:"step"`
	Type      string         `json:"type"`
	Status    string         `json:"status"`
	Input     map[string]any `json:"input,omitempty"`
	Output    map[string]any `json:"output,omitempty"`
	Attempts  int            `json:"attempts"`
	StartedAt time.Time      `json:"started_at"`
	EndedAt   time.Time      `json:"ended_at,omitzero"`
	Error     *StepError     `json:"error,omitempty"`
	Warnings  []Warning      `json:"warnings,omitempty"`
}

// StepError is a step's failure, named with F14 codes where they apply.
type StepError struct {
	Code string `json:"code"`
	// Field is the step field at fault, when one is (steps[2].text).
	Field     string `json:"field,omitempty"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable,omitempty"`
}

// Input kinds.
const (
	InputStart  = "start"
	InputResult = "result" // an effect's outcome (send, http, ai)
	InputWake   = "wake"   // a scheduled wake-up (delay, retry, reply timeout)
	InputReply  = "reply"  // the customer wrote
	InputCancel = "cancel"
)

// Input is one thing that happened to a run.
type Input struct {
	Kind   string         `json:"kind"`
	Now    time.Time      `json:"now"`
	Key    string         `json:"key,omitempty"`
	Output map[string]any `json:"output,omitempty"`
	Err    *StepError     `json:"error,omitempty"`
	// Reason is why a cancel input cancels the run.
	Reason string `json:"reason,omitempty"`
}

// Effect kinds.
const (
	EffectSend   = "send"
	EffectHTTP   = "http"
	EffectAI     = "ai"
	EffectWake   = "wake"
	EffectNotify = "notify"
	EffectLead   = "lead"
)

// Effect is something the host must do, in the transaction that stores
// the new state.
type Effect struct {
	Kind   string         `json:"kind"`
	Step   string         `json:"step,omitempty"`
	Key    string         `json:"key,omitempty"`
	At     time.Time      `json:"at,omitzero"`
	Send   *SendEffect    `json:"send,omitempty"`
	HTTP   *HTTPEffect    `json:"http,omitempty"`
	AI     *AIEffect      `json:"ai,omitempty"`
	Notify *NotifyEffect  `json:"notify,omitempty"`
	Lead   *LeadEffect    `json:"lead,omitempty"`
	Extra  map[string]any `json:"extra,omitempty"`
}

// SendEffect is a message to queue through the outbox.
type SendEffect struct {
	Type          string            `json:"type"`
	Sender        string            `json:"sender"`
	To            string            `json:"to"`
	RecipientName string            `json:"recipient_name,omitempty"`
	Template      *TemplateRef      `json:"template,omitempty"`
	Variables     map[string]string `json:"variables,omitempty"`
	Text          string            `json:"text,omitempty"`
	Bulk          bool              `json:"bulk,omitempty"`
	// Rich is the content of a send_media or send_interactive step.
	Rich *messaging.RichContent `json:"rich,omitempty"`
}

// HTTPEffect is a request to make.
type HTTPEffect struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

// AIEffect is an assistant reply to generate.
type AIEffect struct {
	Assistant int64             `json:"assistant"`
	Customer  string            `json:"customer"`
	Message   string            `json:"message"`
	Context   map[string]string `json:"context,omitempty"`
}

// NotifyEffect tells the team something failed for good.
type NotifyEffect struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// NewState is the state of a run about to start.
func NewState(runID int64, trigger, contact map[string]any, conversationID int64, sender string, now time.Time) State {
	if trigger == nil {
		trigger = map[string]any{}
	}
	if contact == nil {
		contact = map[string]any{}
	}
	return State{RunID: runID, Status: StatusRunning, Trigger: trigger, Contact: contact, ConversationID: conversationID, Sender: sender,
		Vars: map[string]any{}, Outputs: map[string]any{}, Log: []StepRecord{}, StartedAt: now}
}

// Terminal reports whether a status is final.
func Terminal(status string) bool {
	return status == StatusCompleted || status == StatusFailed || status == StatusCancelled
}

// Advance is the engine: given a run's state and one input it returns the
// new state, the effects to perform, and whether anything changed (false:
// the input was stale, e.g. a wake-up for a wait the run has left, and
// the host must do nothing). It does no I/O and reads no clock (Input.Now
// is the time); it takes ownership of st's maps.
func Advance(c *Compiled, st State, in Input) (State, []Effect, bool) {
	e := &engine{c: c, st: &st, now: in.Now}
	if !e.accept(in) {
		return st, nil, false
	}
	return st, e.effects, true
}

type engine struct {
	c       *Compiled
	st      *State
	now     time.Time
	effects []Effect
	steps   int
}

func (e *engine) accept(in Input) bool {
	st := e.st
	if Terminal(st.Status) {
		return false
	}
	switch in.Kind {
	case InputStart:
		if st.Current != "" || len(st.Log) > 0 {
			return false
		}
		e.enter(e.c.first)
	case InputCancel:
		if rec := e.rec(); rec != nil && !stepDone(rec.Status) {
			rec.Status, rec.EndedAt = StepCancelled, e.now
		}
		st.Wait = nil
		st.Reason = in.Reason
		e.end(StatusCancelled)
	case InputResult:
		w := st.Wait
		if w == nil || w.Key != in.Key || (w.Kind != WaitSend && w.Kind != WaitHTTP && w.Kind != WaitAI && w.Kind != WaitLead) {
			return false
		}
		st.Wait = nil
		if in.Err != nil {
			e.failed(*in.Err)
		} else {
			if id := toInt64(in.Output["conversation_id"]); id != 0 && st.ConversationID == 0 {
				st.ConversationID = id
			}
			e.done(in.Output)
		}
	case InputWake:
		w := st.Wait
		if w == nil || w.Key != in.Key || (w.Kind != WaitDelay && w.Kind != WaitRetry && w.Kind != WaitReply) || e.now.Before(w.Until) {
			return false
		}
		st.Wait = nil
		switch w.Kind {
		case WaitDelay:
			e.done(nil)
		case WaitRetry:
			st.Attempt++
			e.exec()
		case WaitReply:
			s := e.c.Step(w.Step)
			out := map[string]any{"timed_out": true}
			e.finishRec(StepCompleted, out)
			if len(s.OnTimeout) > 0 {
				e.enter(s.OnTimeout[0].ID)
			} else {
				e.enter(e.c.next[s.ID])
			}
		}
	case InputReply:
		switch w := st.Wait; {
		case w != nil && w.Kind == WaitReply:
			st.Wait = nil
			e.done(replyOutput(in.Output))
		case w != nil && w.Kind == WaitSend && e.c.asks[w.Step] && st.EarlyReply == nil:
			st.EarlyReply = in.Output
		default:
			return false
		}
	default:
		return false
	}
	return true
}

// enter starts step id's first attempt ("" ends the run) and runs until
// the run waits or ends.
func (e *engine) enter(id string) {
	e.st.Current, e.st.Attempt = id, 1
	e.exec()
}

// exec runs the current step (Attempt already set), then follows on.
func (e *engine) exec() {
	st := e.st
	if st.Current == "" {
		e.end(StatusCompleted)
		return
	}
	e.steps++
	st.Visits++
	if e.steps > maxStepsPerAdvance || st.Visits > maxStepsPerRun {
		st.Error = &StepError{Code: "loop_limit", Message: "the run executed too many steps (" + strconv.Itoa(st.Visits) + "): check on_error goto loops"}
		e.end(StatusFailed)
		return
	}
	st.Status = StatusRunning
	s := e.c.Step(st.Current)
	if st.Attempt <= 1 || e.rec() == nil || e.rec().Step != s.ID {
		st.Log = append(st.Log, StepRecord{Step: s.ID, Type: s.Type, Status: StepRunning, StartedAt: e.now})
	}
	rec := e.rec()
	rec.Attempts, rec.Status, rec.Error, rec.Warnings = st.Attempt, StepRunning, nil, nil
	kind, _ := lookupStepKind(s.Type)
	kind.run(&stepRun{e: e, s: s, rec: rec})
}

func (e *engine) rec() *StepRecord {
	if len(e.st.Log) == 0 {
		return nil
	}
	return &e.st.Log[len(e.st.Log)-1]
}

// key names the current wait: run-unique because Visits only grows.
func (e *engine) key() string {
	return e.st.Current + ":" + strconv.Itoa(e.st.Attempt) + ":" + strconv.Itoa(e.st.Visits)
}

func (e *engine) finishRec(status string, out map[string]any) {
	rec := e.rec()
	rec.Status, rec.EndedAt = status, e.now
	if out != nil {
		rec.Output = out
		e.st.Outputs[rec.Step] = out
	}
}

// done completes the current step and moves to its successor.
func (e *engine) done(out map[string]any) {
	if out == nil {
		out = map[string]any{}
	}
	e.finishRec(StepCompleted, out)
	e.enter(e.c.next[e.st.Current])
}

// replyOutput is a wait_for_reply step's output for the customer's
// message.
func replyOutput(msg map[string]any) map[string]any {
	out := map[string]any{"timed_out": false}
	for k, v := range msg {
		out[k] = v
	}
	return out
}

// wait pauses the run. A send drops any early reply: a new message makes
// an answer to the one before stale.
func (e *engine) wait(kind string, until time.Time, effects ...Effect) {
	until = until.UTC()
	e.st.Status = StatusWaiting
	e.st.Wait = &Wait{Kind: kind, Step: e.st.Current, Key: e.key(), Until: until}
	if kind == WaitSend {
		e.st.EarlyReply = nil
	}
	e.rec().Status = StepWaiting
	for _, ef := range effects {
		ef.Step, ef.Key = e.st.Current, e.st.Wait.Key
		e.effects = append(e.effects, ef)
	}
	if !until.IsZero() {
		e.effects = append(e.effects, Effect{Kind: EffectWake, Step: e.st.Current, Key: e.st.Wait.Key, At: until})
	}
}

// failed handles a failed attempt: retry per the step's policy, or follow
// on_error after the last one (F15).
func (e *engine) failed(err StepError) {
	st, s := e.st, e.c.Step(e.st.Current)
	rec := e.rec()
	rec.Error = &err
	p := defaultRetry
	if s.Retry != nil {
		p = *s.Retry
	}
	if err.Retryable && st.Attempt < p.Attempts {
		base, _ := ParseDuration(p.Wait)
		backoff := max(p.Backoff, 1)
		d := time.Duration(float64(base) * math.Pow(backoff, float64(st.Attempt-1)))
		e.wait(WaitRetry, e.now.Add(d))
		return
	}
	rec.Status, rec.EndedAt = StepFailed, e.now
	e.st.Outputs[s.ID] = map[string]any{"error": err.Code, "error_message": err.Message}
	e.effects = append(e.effects, Effect{Kind: EffectNotify, Step: s.ID, Notify: &NotifyEffect{
		Title: "Flow step " + s.ID + " failed after " + strconv.Itoa(st.Attempt) + " attempt" + plural(st.Attempt),
		Body:  err.Code + ": " + err.Message,
	}})
	switch oe := s.OnError; {
	case oe == "continue":
		e.enter(e.c.next[s.ID])
	case oe == "stop":
		e.end(StatusCompleted)
	case strings.HasPrefix(oe, "goto:"):
		e.enter(strings.TrimPrefix(oe, "goto:"))
	default:
		st.Error = &err
		e.end(StatusFailed)
	}
}

func (e *engine) end(status string) {
	e.st.Status, e.st.Current, e.st.Attempt, e.st.Wait, e.st.EndedAt = status, "", 0, nil, e.now
	e.st.EarlyReply = nil
}

// env is what templates see.
func (e *engine) env() map[string]any {
	st := e.st
	return map[string]any{"trigger": st.Trigger, "contact": st.Contact, "vars": st.Vars, "steps": st.Outputs,
		"run": map[string]any{"id": st.RunID, "test": st.TestRecipient != ""}, "now": e.now}
}

func stepDone(s string) bool {
	return s == StepCompleted || s == StepSkipped || s == StepFailed || s == StepCancelled
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}
