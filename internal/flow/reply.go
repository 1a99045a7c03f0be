package flow

import (
	"encoding/json"

	"github.com/zapflow/zapflow/internal/messaging"
)

// The customer's answer to buttons and lists reaches a waiting run as
// steps.<wait id>.reply: which button or row was chosen, so a branch can
// route on its id (steps.when.reply.id == "today") whatever its title says
// or however it is translated. The message is stored as WhatsApp sent it
// (whatsapp.InboundMessage.Content): an interactive reply keeps
// {type, button_reply|list_reply: {id, title, description}}, a tap on a
// template's quick-reply button keeps {payload, text}.

// Reply types in steps.<id>.reply.type.
const (
	ReplyTypeButton   = "button_reply" // a reply button of an interactive message (send_interactive)
	ReplyTypeListRow  = "list_reply"   // a row of a list message
	ReplyTypeQuickTap = "quick_reply"  // a template's quick-reply button: id is its payload, title its text
)

// replyOf is a message's reply choice. Every reply has one, empty when the
// customer typed or sent something else, so a condition on reply.id never
// fails on a missing value.
func replyOf(m messaging.Message) map[string]any {
	out := map[string]any{"type": "", "id": "", "title": ""}
	switch m.Type {
	case "interactive":
		var in struct {
			ButtonReply *struct{ ID, Title, Description string } `json:"button_reply"`
			ListReply   *struct{ ID, Title, Description string } `json:"list_reply"`
		}
		if json.Unmarshal(m.Content, &in) != nil {
			break
		}
		switch {
		case in.ButtonReply != nil:
			out["type"], out["id"], out["title"] = ReplyTypeButton, in.ButtonReply.ID, in.ButtonReply.Title
		case in.ListReply != nil:
			out["type"], out["id"], out["title"] = ReplyTypeListRow, in.ListReply.ID, in.ListReply.Title
			out["description"] = in.ListReply.Description
		}
	case "button":
		var b struct{ Payload, Text string }
		if json.Unmarshal(m.Content, &b) == nil {
			out["type"], out["id"], out["title"] = ReplyTypeQuickTap, b.Payload, b.Text
		}
	}
	return out
}
