package messaging

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
)

// TestResendRequestRebuildsTheSend shows a stored template payload (named
// body variables, a header variable and a URL button) and a text payload
// turn back into the request that made them, so Retry sends the same.
func TestResendRequestRebuildsTheSend(t *testing.T) {
	tpl := account.Template{Name: "order_ready", Language: "en_US", ParameterFormat: "NAMED", Components: json.RawMessage(`[
		{"type":"HEADER","format":"TEXT","text":"Hi {{name}}"},
		{"type":"BODY","text":"Order {{order}} is ready, {{name}}"},
		{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"OK"},{"type":"URL","url":"https://x.example/{{1}}"}]}]`)}
	vars := Variables{"order": "#12", "name": "Ana", "header.name": "Ana", "button.1": "abc"}
	require.Equal(t, []string{"order", "name", "header.name", "button.1"}, TemplateVariables(tpl))
	require.Equal(t, "Order #12 is ready, Ana", RenderTemplateBody(tpl, vars))
	require.Equal(t, "Order {{order}} is ready, Ana", RenderTemplateBody(tpl, Variables{"name": "Ana"}), "unfilled ones stay visible")

	content, err := json.Marshal(templatePayload("+5511988887777", tpl, shapeOf(tpl), vars))
	require.NoError(t, err)
	req, ok := ResendRequest(Message{Direction: Outbound, Content: content})
	require.True(t, ok)
	require.Equal(t, "template", req.Type)
	require.Equal(t, &TemplateRef{Name: "order_ready", Language: "en_US"}, req.Template)
	require.Equal(t, vars, req.Variables)
	require.NoError(t, checkVariables(shapeOf(tpl), req.Variables), "the rebuilt variables pass the outbox's check")

	content, err = json.Marshal(textPayload("+5511988887777", "hello"))
	require.NoError(t, err)
	req, ok = ResendRequest(Message{Direction: Outbound, Content: content})
	require.True(t, ok)
	require.Equal(t, SendRequest{Type: "text", Text: "hello"}, req)

	_, ok = ResendRequest(Message{Direction: Inbound, Content: content})
	require.False(t, ok, "only our own messages are resent")
}
