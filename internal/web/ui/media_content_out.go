package ui

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/zapflow/zapflow/internal/messaging"
)

// Our own rich messages in the chat: their stored content is the Cloud
// API request we sent ({"type": t, t: {…}}), read here into the same
// bubbles as a customer's. A file we uploaded is kept with the message
// (messaging.MediaFetcher.KeepSentTx) and served by the chat's media URL;
// one sent by public link shows the link (the page loads nothing from
// other sites); one sent by a bare media id shows its caption.

// interactiveView is a reply-button or list message we sent.
type interactiveView struct {
	List    bool
	Header  string
	Footer  string
	Buttons []string // the buttons' titles, or the list's button
	Rows    []listRowView
}

type listRowView struct {
	Section, Title, Description string
}

// outboundBody reads one of our messages; b is its summary as text,
// what a text or template message (or anything unreadable) shows.
func outboundBody(m messaging.Message, b messageBody) messageBody {
	var p map[string]json.RawMessage
	if json.Unmarshal(m.Content, &p) != nil || len(p[m.Type]) == 0 {
		return b
	}
	raw := p[m.Type]
	switch m.Type {
	case "image", "sticker", "audio", "video", "document":
		var md messaging.Media
		if json.Unmarshal(raw, &md) != nil {
			return b
		}
		b.Text, b.Filename = md.Caption, md.Filename
		switch {
		case m.Media != nil && m.Media.Status == messaging.MediaStored:
			b.Kind = m.Type
			b.MediaURL = chatURL(m.ConversationID) + "/media/" + strconv.FormatInt(m.ID, 10)
			if b.Filename == "" {
				b.Filename = m.Media.Filename
			}
		case md.Link != "":
			b.Kind, b.Link = "linked", md.Link
		default:
			b.Text = m.Summary
		}
	case "location":
		if l, ok := locationBody(raw); ok {
			return l
		}
	case "contacts":
		if c, ok := contactsBody(raw); ok {
			return c
		}
	case "interactive":
		var it messaging.Interactive
		if json.Unmarshal(raw, &it) != nil {
			return b
		}
		v := &interactiveView{List: it.Type == "list"}
		if it.Header != nil {
			v.Header = it.Header.Text
		}
		if it.Footer != nil {
			v.Footer = it.Footer.Text
		}
		for _, bt := range it.Action.Buttons {
			v.Buttons = append(v.Buttons, bt.Reply.Title)
		}
		if it.Action.Button != "" {
			v.Buttons = append(v.Buttons, it.Action.Button)
		}
		for _, s := range it.Action.Sections {
			for _, r := range s.Rows {
				v.Rows = append(v.Rows, listRowView{Section: s.Title, Title: r.Title, Description: r.Description})
			}
		}
		b.Kind, b.Interactive = "interactive", v
		if it.Body != nil {
			b.Text = it.Body.Text
		}
	case "reaction":
		var r struct {
			Emoji string `json:"emoji"`
		}
		if json.Unmarshal(raw, &r) == nil && r.Emoji != "" {
			b.Kind, b.Text = "reaction", r.Emoji
		}
	}
	return b
}

// interactiveLabel names the choices of an interactive message.
func interactiveLabel(ctx context.Context, v *interactiveView) string {
	if v.List {
		return t(ctx, "compose.media.list")
	}
	return t(ctx, "compose.media.buttons")
}
