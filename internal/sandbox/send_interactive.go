package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Interactive reply-button and list messages are checked against the
// limits Meta enforces (its "Interactive messages" guide): 1–3 reply
// buttons with titles up to 20 characters and unique ids up to 256; a list
// button up to 20, 1–10 sections (titled when more than one, titles up to
// 24), 1–10 rows in all with unique ids up to 200, titles up to 24 and
// descriptions up to 72; header and footer up to 60; body up to 1024
// (buttons) or 4096 (list). Meta answers a breach with 131009 "Parameter
// value is not valid" and details naming the limit; so does the sandbox.

type interactiveHeader struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type interactiveAction struct {
	Buttons []struct {
		Type  string `json:"type"`
		Reply struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"reply"`
	} `json:"buttons"`
	Button   string `json:"button"`
	Sections []struct {
		Title string `json:"title"`
		Rows  []struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"rows"`
	} `json:"sections"`
}

// lengthErr is Meta's answer to a text outside its bounds.
func (s *Sandbox) lengthErr(what, v string, min, max int) *apiError {
	if n := utf8.RuneCountInString(v); n < min || n > max {
		return s.apiErr(131009, fmt.Sprintf("%s length invalid. Min length: %d, Max length: %d", what, min, max))
	}
	return nil
}

func (s *Sandbox) countErr(what string, n, min, max int) *apiError {
	if n < min || n > max {
		return s.apiErr(131009, fmt.Sprintf("Invalid %s count. Min allowed %s: %d, Max allowed %s: %d", what, what, min, what, max))
	}
	return nil
}

// checkInteractive validates a button or list message.
func (s *Sandbox) checkInteractive(in *sendInteractive) *apiError {
	bodyMax := 1024
	switch strings.ToLower(in.Type) {
	case "button":
	case "list":
		bodyMax = 4096
	default:
		return nil // cta_url, flow, product… are accepted as they are
	}
	if in.Body == nil {
		return s.apiErr(131008, "The parameter interactive['body'] is required.")
	}
	if e := s.lengthErr("Body text", in.Body.Text, 1, bodyMax); e != nil {
		return e
	}
	if h := in.Header; h != nil && h.Type == "text" {
		if e := s.lengthErr("Header text", h.Text, 1, 60); e != nil {
			return e
		}
	} else if h != nil && strings.ToLower(in.Type) == "list" {
		return s.apiErr(131009, "Header type for a list message must be text.")
	}
	if in.Footer != nil {
		if e := s.lengthErr("Footer text", in.Footer.Text, 1, 60); e != nil {
			return e
		}
	}
	var a interactiveAction
	if err := json.Unmarshal(in.Action, &a); err != nil {
		return paramErr("Invalid parameter: interactive['action'] is not a valid object (" + err.Error() + ")")
	}
	if strings.ToLower(in.Type) == "button" {
		return s.checkButtons(a)
	}
	return s.checkList(a)
}

func (s *Sandbox) checkButtons(a interactiveAction) *apiError {
	if e := s.countErr("buttons", len(a.Buttons), 1, 3); e != nil {
		return e
	}
	ids, titles := map[string]bool{}, map[string]bool{}
	for _, b := range a.Buttons {
		if b.Type != "reply" {
			return s.apiErr(131009, fmt.Sprintf("Button type %q is invalid; reply buttons have type \"reply\".", b.Type))
		}
		if e := s.lengthErr("Button title", b.Reply.Title, 1, 20); e != nil {
			return e
		}
		if e := s.lengthErr("Button id", b.Reply.ID, 1, 256); e != nil {
			return e
		}
		if ids[b.Reply.ID] {
			return s.apiErr(131009, "Duplicate button id: button ids must be unique.")
		}
		if titles[b.Reply.Title] {
			return s.apiErr(131009, "Duplicate button title: button titles must be unique.")
		}
		ids[b.Reply.ID], titles[b.Reply.Title] = true, true
	}
	return nil
}

func (s *Sandbox) checkList(a interactiveAction) *apiError {
	if e := s.lengthErr("Button text", a.Button, 1, 20); e != nil {
		return e
	}
	if e := s.countErr("sections", len(a.Sections), 1, 10); e != nil {
		return e
	}
	rows, ids := 0, map[string]bool{}
	for _, sec := range a.Sections {
		if len(a.Sections) > 1 || sec.Title != "" {
			if e := s.lengthErr("Section title", sec.Title, 1, 24); e != nil {
				return e
			}
		}
		if len(sec.Rows) == 0 {
			return s.apiErr(131009, "Invalid rows count. Each section needs at least one row.")
		}
		for _, r := range sec.Rows {
			rows++
			if e := s.lengthErr("Row title", r.Title, 1, 24); e != nil {
				return e
			}
			if e := s.lengthErr("Row id", r.ID, 1, 200); e != nil {
				return e
			}
			if e := s.lengthErr("Row description", r.Description, 0, 72); e != nil {
				return e
			}
			if ids[r.ID] {
				return s.apiErr(131009, "Duplicate row id: row ids must be unique across sections.")
			}
			ids[r.ID] = true
		}
	}
	return s.countErr("rows", rows, 1, 10)
}
