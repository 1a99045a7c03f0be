package sandbox

import (
	"encoding/json"
	"strconv"
	"strings"
)

// A business message can offer the customer something to answer with: an
// interactive message's reply buttons, a list message's rows, or a
// template's quick-reply buttons. A WhatsApp client can only answer with
// one of those, so the sandbox refuses any other (see CustomerTaps and
// CustomerPicks), and the sandbox page shows them as buttons to press.

// Kinds of Choice.
const (
	ChoiceButton     = "button"      // a reply button of an interactive "button" message
	ChoiceQuickReply = "quick_reply" // a QUICK_REPLY button of a template
	ChoiceRow        = "row"         // a row of an interactive "list" message
)

// Choice is one thing a business message offers the customer.
type Choice struct {
	Kind string
	// ID comes back in the customer's answer: the reply button's or row's
	// id, or the quick reply's payload (the one the send gave it, else the
	// button's text, as WhatsApp does).
	ID          string
	Title       string
	Description string // rows only
	Section     string // rows only: the section's title, if any
}

// Choices lists what message m offers, in the order the customer sees it.
func (s *Sandbox) Choices(m SentMessage) []Choice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.choicesLocked(m)
}

// ListButton is the text of a list message's button (what the customer
// taps to open its rows), or "" when m is not a list.
func ListButton(m SentMessage) string {
	var p struct {
		Interactive *struct {
			Type   string          `json:"type"`
			Action json.RawMessage `json:"action"`
		} `json:"interactive"`
	}
	if json.Unmarshal(m.Payload, &p) != nil || p.Interactive == nil || !strings.EqualFold(p.Interactive.Type, "list") {
		return ""
	}
	var a interactiveAction
	if json.Unmarshal(p.Interactive.Action, &a) != nil {
		return ""
	}
	return a.Button
}

func (s *Sandbox) choicesLocked(m SentMessage) []Choice {
	var p struct {
		Interactive *sendInteractive `json:"interactive"`
		Template    *sendTemplate    `json:"template"`
	}
	if json.Unmarshal(m.Payload, &p) != nil {
		return nil
	}
	switch {
	case p.Interactive != nil:
		return interactiveChoices(p.Interactive)
	case m.TemplateName != "" && p.Template != nil:
		t := s.findTemplate(m.TemplateName, m.TemplateLanguage)
		if t == nil {
			return nil
		}
		return quickReplies(t, p.Template)
	}
	return nil
}

func interactiveChoices(in *sendInteractive) []Choice {
	var a interactiveAction
	if json.Unmarshal(in.Action, &a) != nil {
		return nil
	}
	var out []Choice
	switch strings.ToLower(in.Type) {
	case "button":
		for _, b := range a.Buttons {
			out = append(out, Choice{Kind: ChoiceButton, ID: b.Reply.ID, Title: b.Reply.Title})
		}
	case "list":
		for _, sec := range a.Sections {
			for _, r := range sec.Rows {
				out = append(out, Choice{Kind: ChoiceRow, ID: r.ID, Title: r.Title, Description: r.Description, Section: sec.Title})
			}
		}
	}
	return out
}

// quickReplies are a template's QUICK_REPLY buttons; a button's index is
// its place among all the template's buttons, as in the send's components.
func quickReplies(t *Template, req *sendTemplate) []Choice {
	payloads := map[int]string{}
	for _, c := range req.Components {
		if !strings.EqualFold(c.Type, "button") || !strings.EqualFold(c.SubType, "quick_reply") || len(c.Parameters) == 0 {
			continue
		}
		if i, err := strconv.Atoi(strings.Trim(strings.TrimSpace(string(c.Index)), `"`)); err == nil {
			payloads[i] = c.Parameters[0].Payload
		}
	}
	var out []Choice
	i := 0
	for _, c := range t.Components {
		for _, b := range c.Buttons {
			if strings.EqualFold(b.Type, "QUICK_REPLY") {
				id := payloads[i]
				if id == "" {
					id = b.Text
				}
				out = append(out, Choice{Kind: ChoiceQuickReply, ID: id, Title: b.Text})
			}
			i++
		}
	}
	return out
}
