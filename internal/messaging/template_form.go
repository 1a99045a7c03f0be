package messaging

import (
	"encoding/json"
	"strconv"

	"github.com/zapflow/zapflow/internal/account"
)

// TemplateVariables lists the variable keys a template send needs, in
// the order a form asks for them: body placeholders ("1", "2" or names),
// then "header.<name>" and "button.<index>" — the keys SendRequest.Variables
// takes.
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
			Components []struct {
				Type       string `json:"type"`
				Index      string `json:"index"`
				Parameters []struct {
					Text          string `json:"text"`
					ParameterName string `json:"parameter_name"`
				} `json:"parameters"`
			} `json:"components"`
		} `json:"template"`
	}
	if m.Direction != Outbound || json.Unmarshal(m.Content, &p) != nil {
		return req, false
	}
	switch p.Type {
	case "text":
		return SendRequest{Type: "text", Text: p.Text.Body}, p.Text.Body != ""
	case "template":
		vars := Variables{}
		for _, c := range p.Template.Components {
			for i, prm := range c.Parameters {
				name := prm.ParameterName
				if name == "" {
					name = strconv.Itoa(i + 1)
				}
				switch c.Type {
				case "body":
					vars[name] = prm.Text
				case "header":
					vars["header."+name] = prm.Text
				case "button":
					vars["button."+c.Index] = prm.Text
				}
			}
		}
		return SendRequest{Type: "template", Template: &TemplateRef{Name: p.Template.Name, Language: p.Template.Language.Code},
			Variables: vars}, p.Template.Name != ""
	}
	return richResend(p.Type, m.Content) // send_rich.go
}
