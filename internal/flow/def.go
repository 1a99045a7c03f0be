// Package flow is zapflow's workflow engine (F8–F17): flow definitions and
// their files, triggers, steps, templating, the pure engine that decides
// what a run does next, and the durable host that commits each decision
// with its effects in one transaction.
//
// The split follows goflow's: Advance (engine.go) is a pure function of a
// run's state and one input, returning the new state and the effects to
// perform; the host (runner.go) applies it inside a database transaction,
// turning effects into rows and River jobs of that same transaction. A
// crash therefore loses either the whole decision or nothing.
package flow

// Trigger types. Any other name is an external event type (F10) and must
// be written as {type: event, event: <name>}.
const (
	TriggerMessageReceived     = "whatsapp.message_received"     // F8
	TriggerConversationStarted = "whatsapp.conversation_started" // F9
	TriggerEvent               = "event"                         // F10
)

// Flow is a flow definition: what an importable file holds and what each
// stored version keeps. Field order is the file's order.
type Flow struct {
	Name        string  `json:"name" yaml:"name"`
	Description string  `json:"description,omitempty" yaml:"description,omitempty"`
	Enabled     bool    `json:"enabled" yaml:"enabled"`
	Trigger     Trigger `json:"trigger" yaml:"trigger"`
	Steps       []Step  `json:"steps" yaml:"steps"`
}

// Trigger says what starts a run.
type Trigger struct {
	Type string `json:"type" yaml:"type"`
	// Event is the external event type for Type "event" (e.g. call.completed).
	Event string `json:"event,omitempty" yaml:"event,omitempty"`
	// Sender limits WhatsApp triggers to one sender (id or phone_number_id).
	Sender string `json:"sender,omitempty" yaml:"sender,omitempty"`
	// Contains and Regex filter message_received by the message text
	// (case-insensitive substring; Go regular expression).
	Contains string `json:"contains,omitempty" yaml:"contains,omitempty"`
	Regex    string `json:"regex,omitempty" yaml:"regex,omitempty"`
}

// Step is one step. Type selects the behaviour (see steps.go); the other
// fields belong to one or more types and are empty otherwise. One struct
// rather than one per type keeps files flat and round-trips trivial; the
// registry decides which fields a type reads and validates.
type Step struct {
	ID   string `json:"id" yaml:"id"`
	Type string `json:"type" yaml:"type"`

	// send_template, send_text
	Sender        string            `json:"sender,omitempty" yaml:"sender,omitempty"`
	To            string            `json:"to,omitempty" yaml:"to,omitempty"`
	RecipientName string            `json:"recipient_name,omitempty" yaml:"recipient_name,omitempty"`
	Template      *TemplateRef      `json:"template,omitempty" yaml:"template,omitempty"`
	Variables     map[string]string `json:"variables,omitempty" yaml:"variables,omitempty"`
	Text          string            `json:"text,omitempty" yaml:"text,omitempty"`
	Bulk          bool              `json:"bulk,omitempty" yaml:"bulk,omitempty"`

	// send_media: Media is the kind (image, document, audio, video,
	// sticker), sent from a public Link or an uploaded MediaID, with a
	// Caption and (documents) a Filename. send_interactive: Text is the
	// body, Header and Footer optional texts, and either Buttons (1 to 3
	// reply buttons) or a list: Button (the text of the button that opens
	// it) and Sections of rows. Both take sender, to and recipient_name.
	// Every text is a template.
	Media    string        `json:"media,omitempty" yaml:"media,omitempty"`
	Link     string        `json:"link,omitempty" yaml:"link,omitempty"`
	MediaID  string        `json:"media_id,omitempty" yaml:"media_id,omitempty"`
	Caption  string        `json:"caption,omitempty" yaml:"caption,omitempty"`
	Filename string        `json:"filename,omitempty" yaml:"filename,omitempty"`
	Header   string        `json:"header,omitempty" yaml:"header,omitempty"`
	Footer   string        `json:"footer,omitempty" yaml:"footer,omitempty"`
	Buttons  []ReplyButton `json:"buttons,omitempty" yaml:"buttons,omitempty"`
	Button   string        `json:"button,omitempty" yaml:"button,omitempty"`
	Sections []ListSection `json:"sections,omitempty" yaml:"sections,omitempty"`

	// generate_ai_reply
	Assistant int64             `json:"assistant,omitempty" yaml:"assistant,omitempty"`
	Customer  string            `json:"customer,omitempty" yaml:"customer,omitempty"`
	Message   string            `json:"message,omitempty" yaml:"message,omitempty"`
	Context   map[string]string `json:"context,omitempty" yaml:"context,omitempty"`

	// delay: a Duration, or Until (a template giving a time) shifted by
	// Offset; IfPast says what to do when that time has already passed.
	Duration string `json:"duration,omitempty" yaml:"duration,omitempty"`
	Until    string `json:"until,omitempty" yaml:"until,omitempty"`
	Offset   string `json:"offset,omitempty" yaml:"offset,omitempty"`
	IfPast   string `json:"if_past,omitempty" yaml:"if_past,omitempty"`

	// wait_for_reply
	Timeout   string `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	OnTimeout []Step `json:"on_timeout,omitempty" yaml:"on_timeout,omitempty"`

	// branch
	Branches []Branch `json:"branches,omitempty" yaml:"branches,omitempty"`
	Else     []Step   `json:"else,omitempty" yaml:"else,omitempty"`

	// http_request
	Method  string            `json:"method,omitempty" yaml:"method,omitempty"`
	URL     string            `json:"url,omitempty" yaml:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
	Body    any               `json:"body,omitempty" yaml:"body,omitempty"`

	// set_variables
	Set map[string]string `json:"set,omitempty" yaml:"set,omitempty"`

	// stop
	Reason string `json:"reason,omitempty" yaml:"reason,omitempty"`

	// update_lead: the contact's open lead (created when it has none)
	// gets Status, the Tags added, Notes and the custom Fields; every
	// value is a template.
	Status string            `json:"status,omitempty" yaml:"status,omitempty"`
	Tags   []string          `json:"tags,omitempty" yaml:"tags,omitempty"`
	Notes  string            `json:"notes,omitempty" yaml:"notes,omitempty"`
	Fields map[string]string `json:"fields,omitempty" yaml:"fields,omitempty"`

	// assign_agent: Mode agent (Agent is the user's email, a template),
	// round_robin or unassign; the conversation and the contact's open
	// lead get the agent.
	Mode  string `json:"mode,omitempty" yaml:"mode,omitempty"`
	Agent string `json:"agent,omitempty" yaml:"agent,omitempty"`

	// Every step that can fail.
	Retry   *RetryPolicy `json:"retry,omitempty" yaml:"retry,omitempty"`
	OnError string       `json:"on_error,omitempty" yaml:"on_error,omitempty"` // fail (default) | continue | stop | goto:<step id>
}

// TemplateRef names a WhatsApp template.
type TemplateRef struct {
	Name     string `json:"name" yaml:"name"`
	Language string `json:"language" yaml:"language"`
}

// Branch is one condition of a branch step and the steps it leads to.
type Branch struct {
	When  string `json:"when" yaml:"when"`
	Steps []Step `json:"steps" yaml:"steps"`
}

// RetryPolicy is a step's F15 retry policy. Attempts counts every try,
// the first included; Wait is before the first retry, each later one
// waits Backoff times longer.
type RetryPolicy struct {
	Attempts int     `json:"attempts" yaml:"attempts"`
	Wait     string  `json:"wait" yaml:"wait"`
	Backoff  float64 `json:"backoff,omitempty" yaml:"backoff,omitempty"`
}

// DefaultRetry is F15's default: wait 1 minute and retry once more.
var defaultRetry = RetryPolicy{Attempts: 2, Wait: "1m", Backoff: 1}

// Limits bound a definition, like goflow's MaxNodesPerFlow.
const (
	MaxSteps      = 500
	MaxBranches   = 50
	MaxDepth      = 10
	MaxAttempts   = 10
	MaxNameLength = 200
)

// Walk calls fn for every step in list order, nested lists included, with
// the step's field path (steps[2].branches[0].steps[1]).
func Walk(steps []Step, path string, fn func(s *Step, path string, depth int)) {
	walk(steps, path, 0, fn)
}

func walk(steps []Step, path string, depth int, fn func(s *Step, path string, depth int)) {
	for i := range steps {
		p := path + "[" + itoa(i) + "]"
		s := &steps[i]
		fn(s, p, depth)
		for j := range s.Branches {
			walk(s.Branches[j].Steps, p+".branches["+itoa(j)+"].steps", depth+1, fn)
		}
		walk(s.Else, p+".else", depth+1, fn)
		walk(s.OnTimeout, p+".on_timeout", depth+1, fn)
	}
}
