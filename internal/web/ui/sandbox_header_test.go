package ui

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/sandbox"
)

// TestSandboxChatMarksMediaHeaders shows the sandbox chat marks a
// template sent with an image header (its text being only the body) and
// leaves text headers and other messages as they are.
func TestSandboxChatMarksMediaHeaders(t *testing.T) {
	photo := sandbox.SentMessage{Type: "template", TemplateName: "order_shipped_photo", Text: "Olá Ana",
		Payload: json.RawMessage(`{"type":"template","template":{"name":"order_shipped_photo","components":[
			{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/a.jpg"}}]}]}}`)}
	require.Equal(t, "🖼 Olá Ana", sentText(photo))
	promo := sandbox.SentMessage{Type: "template", TemplateName: "promo_offer", Text: "Use o cupom",
		Payload: json.RawMessage(`{"type":"template","template":{"name":"promo_offer","components":[
			{"type":"header","parameters":[{"type":"text","text":"Ana"}]}]}}`)}
	require.Equal(t, "Use o cupom", sentText(promo))
	text := sandbox.SentMessage{Type: "text", Text: "oi", Payload: json.RawMessage(`{"type":"text","text":{"body":"oi"}}`)}
	require.Equal(t, "oi", sentText(text))
	require.Equal(t, "[image]", sentText(sandbox.SentMessage{Type: "image", Payload: json.RawMessage(`{}`)}))
}
