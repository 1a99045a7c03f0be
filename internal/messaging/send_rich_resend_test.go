package messaging_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
)

// A failed rich message can be sent again from its stored payload.
func TestResendRich(t *testing.T) {
	t.Parallel()
	out := func(typ, content string) messaging.Message {
		return messaging.Message{Direction: messaging.Outbound, Type: typ, Content: []byte(content)}
	}
	req, ok := messaging.ResendRequest(out("image", `{"messaging_product":"whatsapp","to":"+5511","type":"image","image":{"link":"https://example.com/a.png","caption":"Oi"}}`))
	require.True(t, ok)
	require.Equal(t, "image", req.Type)
	require.Equal(t, &messaging.Media{Link: "https://example.com/a.png", Caption: "Oi"}, req.Image)

	req, ok = messaging.ResendRequest(out("interactive", `{"type":"interactive","interactive":{"type":"button","body":{"text":"Sim?"},"action":{"buttons":[{"type":"reply","reply":{"id":"s","title":"Sim"}}]}}}`))
	require.True(t, ok)
	require.Equal(t, "Sim", req.Interactive.Action.Buttons[0].Reply.Title)

	req, ok = messaging.ResendRequest(out("location", `{"type":"location","location":{"latitude":-23.5,"longitude":-46.6,"name":"Loja"}}`))
	require.True(t, ok)
	require.InDelta(t, -23.5, *req.Location.Latitude, 1e-9)

	_, ok = messaging.ResendRequest(out("reaction", `{"type":"reaction","reaction":{"message_id":"wamid.X","emoji":"👍"}}`))
	require.False(t, ok, "a reaction is not resent")
	_, ok = messaging.ResendRequest(out("image", `{"type":"image"}`))
	require.False(t, ok, "no media object")
}
