package messaging

import (
	"encoding/json"

	"github.com/zapflow/zapflow/internal/account"
)

// TemplateVariables lists the variable keys a template send needs, in
// the order a form asks for them: body placeholders ("1", "2" or names),
// then "header.<name>" (or "header.image", "header.video",
// "header.document" for a media header) and "button.<index>" for URL and
// copy-code buttons — the keys SendRequest.Variables takes. Optional keys
// (quick-reply payloads, a document header's file name) are left out: a
// send without them is complete.
func TemplateVariables(t account.Template) []string { return shapeOf(t).required() }

// TemplateBody is the template's body text with its placeholders.
func TemplateBody(t account.Template) string { return shapeOf(t).bodyText }

// RenderTemplateBody fills the body's placeholders with vars, leaving
// unfilled ones as they are: the preview the agent sees before sending.
func RenderTemplateBody(t account.Template, vars Variables) string {
	return render(shapeOf(t).bodyText, vars, "")
}

// ResendRequest rebuilds the request that produced an outbound text or
// template message from its stored Cloud API payload, so a failed message
// can be sent again as a new one. ok is false for other kinds.
func ResendRequest(m Message) (req SendRequest, ok bool) {
	var p struct {
		Type string `json:"type"`
		Text struct {
			Body string `json:"body"`
		} `json:"text"`
		Template struct {
			Name     string `json:"name"`
			Language struct {
				Code string `json:"code"`
			} `json:"language"`
			Components []sentComponent `json:"components"`
		} `json:"template"`
	}
	if m.Direction != Outbound || json.Unmarshal(m.Content, &p) != nil {
		return req, false
	}
	switch p.Type {
	case "text":
		return SendRequest{Type: "text", Text: p.Text.Body}, p.Text.Body != ""
	case "template":
		vars := sentVariables(p.Template.Components) // template_params.go
		return SendRequest{Type: "template", Template: &TemplateRef{Name: p.Template.Name, Language: p.Template.Language.Code},
			Variables: vars}, p.Template.Name != ""
	}
	return richResend(p.Type, m.Content) // send_rich.go
}
