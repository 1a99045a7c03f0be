package messaging

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
)

// The Cloud API's limits for interactive messages (Meta's "Interactive
// messages" guide): WhatsApp refuses a message over any of them, so each
// is checked before the message is stored.
const (
	MaxReplyButtons      = 3
	MaxButtonTitle       = 20
	MaxButtonID          = 256
	MaxButtonBody        = 1024
	MaxListBody          = 4096
	MaxInteractiveHeader = 60
	MaxInteractiveFooter = 60
	MaxListButton        = 20
	MaxListSections      = 10
	MaxListRows          = 10 // across all sections
	MaxSectionTitle      = 24
	MaxRowID             = 200
	MaxRowTitle          = 24
	MaxRowDescription    = 72
)

// limitErr is a named invalid_request error for one field over a limit.
func limitErr(field, what string, n, max int) error {
	return apperr.Invalid(field, "invalid_request",
		field+": "+what+" is "+strconv.Itoa(n)+" characters; WhatsApp allows "+strconv.Itoa(max))
}

// textLimit checks a required (min 1) or optional text against max runes.
func textLimit(field, v string, required bool, max int) error {
	n := utf8.RuneCountInString(v)
	if required && strings.TrimSpace(v) == "" {
		return apperr.Invalid(field, "invalid_request", field+" is required")
	}
	if n > max {
		return limitErr(field, "the text", n, max)
	}
	return nil
}

// interactiveObject checks a button or list message and builds its Cloud
// API object and inbox summary.
func interactiveObject(in *Interactive) (map[string]any, string, error) {
	if in == nil {
		return nil, "", apperr.Invalid("interactive", "invalid_request", "interactive is required for an interactive message")
	}
	bodyMax := MaxButtonBody
	switch in.Type {
	case "button":
	case "list":
		bodyMax = MaxListBody
	default:
		return nil, "", apperr.Invalid("interactive.type", "invalid_request", `interactive.type must be "button" (reply buttons) or "list"`)
	}
	obj := map[string]any{"type": in.Type}
	if in.Body == nil {
		return nil, "", apperr.Invalid("interactive.body.text", "invalid_request", "interactive.body.text is required")
	}
	if err := textLimit("interactive.body.text", in.Body.Text, true, bodyMax); err != nil {
		return nil, "", err
	}
	obj["body"] = map[string]any{"text": in.Body.Text}
	if in.Header != nil {
		h, err := interactiveHeader(in.Type, in.Header)
		if err != nil {
			return nil, "", err
		}
		obj["header"] = h
	}
	if in.Footer != nil {
		if err := textLimit("interactive.footer.text", in.Footer.Text, true, MaxInteractiveFooter); err != nil {
			return nil, "", err
		}
		obj["footer"] = map[string]any{"text": in.Footer.Text}
	}
	var action map[string]any
	var err error
	if in.Type == "button" {
		action, err = buttonsAction(in.Action)
	} else {
		action, err = listAction(in.Action)
	}
	if err != nil {
		return nil, "", err
	}
	obj["action"] = action
	return obj, in.Body.Text, nil
}

func interactiveHeader(typ string, h *InteractiveHeader) (map[string]any, error) {
	switch h.Type {
	case "text":
		if err := textLimit("interactive.header.text", h.Text, true, MaxInteractiveHeader); err != nil {
			return nil, err
		}
		return map[string]any{"type": "text", "text": h.Text}, nil
	case "image", "video", "document":
		if typ == "list" {
			return nil, apperr.Invalid("interactive.header.type", "invalid_request", "a list message's header can only be text")
		}
		m := map[string]*Media{"image": h.Image, "video": h.Video, "document": h.Document}[h.Type]
		obj, err := mediaObject("interactive.header."+h.Type, h.Type, m, false)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": h.Type, h.Type: obj}, nil
	}
	return nil, apperr.Invalid("interactive.header.type", "invalid_request", `interactive.header.type must be "text", "image", "video" or "document"`)
}

func buttonsAction(a InteractiveAction) (map[string]any, error) {
	if len(a.Buttons) == 0 {
		return nil, apperr.Invalid("interactive.action.buttons", "invalid_request", "interactive.action.buttons needs 1 to 3 reply buttons")
	}
	if len(a.Buttons) > MaxReplyButtons {
		return nil, apperr.Invalid("interactive.action.buttons["+strconv.Itoa(MaxReplyButtons)+"]", "invalid_request",
			"too many buttons: "+strconv.Itoa(len(a.Buttons))+"; WhatsApp allows at most 3 reply buttons (use a list for more choices)")
	}
	ids, titles := map[string]bool{}, map[string]bool{}
	out := make([]any, 0, len(a.Buttons))
	for i, b := range a.Buttons {
		f := "interactive.action.buttons[" + strconv.Itoa(i) + "]"
		if b.Type != "" && b.Type != "reply" {
			return nil, apperr.Invalid(f+".type", "invalid_request", f+`.type must be "reply"`)
		}
		if err := textLimit(f+".reply.id", b.Reply.ID, true, MaxButtonID); err != nil {
			return nil, err
		}
		if err := textLimit(f+".reply.title", b.Reply.Title, true, MaxButtonTitle); err != nil {
			return nil, err
		}
		if ids[b.Reply.ID] {
			return nil, apperr.Invalid(f+".reply.id", "invalid_request", f+".reply.id repeats another button's id; ids must be unique")
		}
		if titles[b.Reply.Title] {
			return nil, apperr.Invalid(f+".reply.title", "invalid_request", f+".reply.title repeats another button's title; titles must be unique")
		}
		ids[b.Reply.ID], titles[b.Reply.Title] = true, true
		out = append(out, map[string]any{"type": "reply", "reply": map[string]any{"id": b.Reply.ID, "title": b.Reply.Title}})
	}
	return map[string]any{"buttons": out}, nil
}

func listAction(a InteractiveAction) (map[string]any, error) {
	if err := textLimit("interactive.action.button", a.Button, true, MaxListButton); err != nil {
		return nil, err
	}
	if len(a.Sections) == 0 {
		return nil, apperr.Invalid("interactive.action.sections", "invalid_request", "interactive.action.sections needs at least one section")
	}
	if len(a.Sections) > MaxListSections {
		return nil, apperr.Invalid("interactive.action.sections["+strconv.Itoa(MaxListSections)+"]", "invalid_request",
			"too many sections: "+strconv.Itoa(len(a.Sections))+"; WhatsApp allows at most 10")
	}
	rows, ids := 0, map[string]bool{}
	sections := make([]any, 0, len(a.Sections))
	for i, s := range a.Sections {
		f := "interactive.action.sections[" + strconv.Itoa(i) + "]"
		if err := textLimit(f+".title", s.Title, len(a.Sections) > 1, MaxSectionTitle); err != nil {
			return nil, err
		}
		if len(s.Rows) == 0 {
			return nil, apperr.Invalid(f+".rows", "invalid_request", f+".rows needs at least one row")
		}
		outRows := make([]any, 0, len(s.Rows))
		for j, r := range s.Rows {
			rf := f + ".rows[" + strconv.Itoa(j) + "]"
			rows++
			if rows > MaxListRows {
				return nil, apperr.Invalid(rf, "invalid_request", "too many rows: WhatsApp allows at most 10 rows across all sections")
			}
			if err := textLimit(rf+".id", r.ID, true, MaxRowID); err != nil {
				return nil, err
			}
			if err := textLimit(rf+".title", r.Title, true, MaxRowTitle); err != nil {
				return nil, err
			}
			if err := textLimit(rf+".description", r.Description, false, MaxRowDescription); err != nil {
				return nil, err
			}
			if ids[r.ID] {
				return nil, apperr.Invalid(rf+".id", "invalid_request", rf+".id repeats another row's id; ids must be unique")
			}
			ids[r.ID] = true
			row := map[string]any{"id": r.ID, "title": r.Title}
			if r.Description != "" {
				row["description"] = r.Description
			}
			outRows = append(outRows, row)
		}
		sec := map[string]any{"rows": outRows}
		if s.Title != "" {
			sec["title"] = s.Title
		}
		sections = append(sections, sec)
	}
	return map[string]any{"button": a.Button, "sections": sections}, nil
}
