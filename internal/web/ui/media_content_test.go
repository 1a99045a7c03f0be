package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
)

// TestMessageContentShowsEachType shows every inbound type gets its own
// bubble: media from our own URL only, a location with its map link,
// shared contacts with their numbers, the customer's button and list
// replies by title, and a voice note as a player.
func TestMessageContentShowsEachType(t *testing.T) {
	in := func(typ, content, summary string) messaging.Message {
		return messaging.Message{ID: 7, ConversationID: 3, Direction: messaging.Inbound, Type: typ,
			Content: json.RawMessage(content), Summary: summary, Status: messaging.StatusReceived}
	}
	cases := map[string]struct {
		m    messaging.Message
		want []string
	}{
		"voice note": {in("audio", `{"id":"55","mime_type":"audio/ogg","voice":true}`, "[audio]"),
			[]string{`<audio class="media audio" controls preload="none" src="/inbox/3/media/7"`}},
		"sticker": {in("sticker", `{"id":"56","mime_type":"image/webp"}`, "[sticker]"),
			[]string{`<img class="media sticker" src="/inbox/3/media/7"`}},
		"video": {in("video", `{"id":"57","mime_type":"video/mp4","caption":"olha"}`, "olha"),
			[]string{`<video class="media video" controls`, `src="/inbox/3/media/7"`, `>olha</p>`}},
		"location": {in("location", `{"latitude":-23.5,"longitude":-46.6,"name":"Loja","address":"Av. Paulista"}`, "📍 Loja"),
			[]string{`https://www.openstreetmap.org/?mlat=-23.5&amp;mlon=-46.6`, `>Loja</a>`, `Av. Paulista`}},
		"contacts": {in("contacts", `[{"name":{"formatted_name":"Carla Souza"},"phones":[{"phone":"+55 11 91234-5678"}]}]`, "👤 Carla Souza"),
			[]string{`Carla Souza`, `+55 11 91234-5678`}},
		"button reply": {in("interactive", `{"type":"button_reply","button_reply":{"id":"yes","title":"Sim, confirmo"}}`, "Sim, confirmo"),
			[]string{`class="body reply"`, `Sim, confirmo`}},
		"list reply": {in("interactive", `{"type":"list_reply","list_reply":{"id":"r2","title":"Terça","description":"14h às 16h"}}`, "Terça"),
			[]string{`Terça`, `14h às 16h`}},
		"template button": {in("button", `{"payload":"STOP","text":"Parar promoções"}`, "Parar promoções"),
			[]string{`class="body reply"`, `Parar promoções`}},
	}
	for name, c := range cases {
		var buf bytes.Buffer
		require.NoError(t, messageContent(c.m).Render(context.Background(), &buf), name)
		for _, w := range c.want {
			require.Contains(t, buf.String(), w, name)
		}
		require.NotContains(t, buf.String(), "retry", name)
	}

	failed := messaging.Message{ID: 9, ConversationID: 3, Direction: messaging.Outbound, Type: "text", Status: messaging.StatusFailed,
		Summary: "oi", Content: json.RawMessage(`{"type":"text","text":{"body":"oi"}}`)}
	var buf bytes.Buffer
	require.NoError(t, messageContent(failed).Render(context.Background(), &buf))
	require.Contains(t, buf.String(), `action="/inbox/3/retry/9"`)
}
