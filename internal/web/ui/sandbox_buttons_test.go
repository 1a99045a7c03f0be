package ui

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/sandbox"
)

// TestSandboxButtonsOf shows which buttons the sandbox page offers to tap:
// an interactive message's reply buttons (id and title), a template's
// quick replies with the payload the send gave each (else its text), and
// none for a plain text.
func TestSandboxButtonsOf(t *testing.T) {
	interactive := sandbox.SentMessage{Type: "interactive", Payload: json.RawMessage(`{"type":"interactive","interactive":{"type":"button",
		"body":{"text":"Confirma?"},"action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Sim"}},{"type":"reply","reply":{"id":"no","title":"Não"}}]}}}`)}
	require.Equal(t, []sandboxButton{{ID: "yes", Title: "Sim"}, {ID: "no", Title: "Não"}}, buttonsOf(interactive, nil))

	templates := sandbox.DefaultTemplates()
	tpl := sandbox.SentMessage{Type: "template", TemplateName: "call_followup", TemplateLanguage: "pt_BR",
		Payload: json.RawMessage(`{"type":"template","template":{"name":"call_followup","components":[
		{"type":"button","sub_type":"quick_reply","index":"1","parameters":[{"type":"payload","payload":"DOUBT"}]}]}}`)}
	require.Equal(t, []sandboxButton{{Template: true, ID: "Tudo certo", Title: "Tudo certo"}, {Template: true, ID: "DOUBT", Title: "Tenho uma dúvida"}},
		buttonsOf(tpl, templates))

	text := sandbox.SentMessage{Type: "text", Text: "oi", Payload: json.RawMessage(`{"type":"text","text":{"body":"oi"}}`)}
	require.Empty(t, buttonsOf(text, templates))
}
