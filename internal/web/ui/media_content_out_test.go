package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
)

// TestOutboundRichMessagesShowInTheChat shows our own rich messages get
// the bubbles a customer's do, read from the Cloud API request we stored:
// an uploaded picture from our media URL once its file is kept, one sent
// by link as a link (nothing loads from another site), a location, shared
// contacts, reply buttons, a list with its rows, and a reaction.
func TestOutboundRichMessagesShowInTheChat(t *testing.T) {
	t.Parallel()
	out := func(typ, content, summary string, kept bool) messaging.Message {
		m := messaging.Message{ID: 8, ConversationID: 4, Direction: messaging.Outbound, Type: typ,
			Content: json.RawMessage(content), Summary: summary, Status: messaging.StatusSent}
		if kept {
			m.Media = &messaging.MediaMeta{Status: messaging.MediaStored, MimeType: "image/png", Filename: "orcamento.pdf"}
		}
		return m
	}
	cases := map[string]struct {
		m       messaging.Message
		want    []string
		notWant []string
	}{
		"uploaded picture": {out("image", `{"type":"image","image":{"id":"9001","caption":"segue"}}`, "segue", true),
			[]string{`<img src="/inbox/4/media/8"`, `>segue</p>`}, nil},
		"uploaded document": {out("document", `{"type":"document","document":{"id":"9002","filename":"orcamento.pdf"}}`, "📄 orcamento.pdf", true),
			[]string{`href="/inbox/4/media/8"`, `download="orcamento.pdf"`}, nil},
		"picture by link": {out("image", `{"type":"image","image":{"link":"https://cdn.example.com/a.png","caption":"link"}}`, "link", false),
			[]string{`class="body linked"`, `href="https://cdn.example.com/a.png"`, `rel="noopener noreferrer"`, `>link</p>`},
			[]string{`<img`}},
		"script link": {out("document", `{"type":"document","document":{"link":"javascript:alert(1)"}}`, "[document]", false),
			[]string{`class="body linked"`}, []string{`href="javascript:`}},
		"picture by id, no file kept": {out("image", `{"type":"image","image":{"id":"9003"}}`, "[image]", false),
			[]string{`<p class="body">[image]</p>`}, []string{`<img`, `/media/`}},
		"location": {out("location", `{"type":"location","location":{"latitude":-23.5,"longitude":-46.6,"name":"Loja"}}`, "📍 Loja", false),
			[]string{`https://www.openstreetmap.org/?mlat=-23.5&amp;mlon=-46.6`, `>Loja</a>`}, nil},
		"contacts": {out("contacts", `{"type":"contacts","contacts":[{"name":{"formatted_name":"Suporte"},"phones":[{"phone":"+55 11 4000-0000"}]}]}`, "👤 Suporte", false),
			[]string{`Suporte`, `+55 11 4000-0000`}, nil},
		"buttons": {out("interactive", `{"type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"Agenda"},"body":{"text":"Confirma amanhã?"},"footer":{"text":"zapflow"},"action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Sim"}},{"type":"reply","reply":{"id":"n","title":"Não"}}]}}}`, "Confirma amanhã?", false),
			[]string{`class="body interactive"`, `>Agenda</p>`, `Confirma amanhã?`, `>zapflow</p>`, `<li class="choice">Sim</li>`, `<li class="choice">Não</li>`}, nil},
		"list": {out("interactive", `{"type":"interactive","interactive":{"type":"list","body":{"text":"Escolha o horário"},"action":{"button":"Horários","sections":[{"title":"Manhã","rows":[{"id":"r1","title":"9h","description":"com a Ana"}]}]}}}`, "Escolha o horário", false),
			[]string{`<li class="choice">Horários</li>`, `9h`, `com a Ana`}, nil},
		"reaction": {out("reaction", `{"type":"reaction","reaction":{"message_id":"wamid.X","emoji":"👍"}}`, "reacted 👍", false),
			[]string{`class="body reaction"`, `👍`}, []string{"reacted"}},
	}
	for name, c := range cases {
		var buf bytes.Buffer
		require.NoError(t, messageContent(c.m).Render(context.Background(), &buf), name)
		for _, w := range c.want {
			require.Contains(t, buf.String(), w, name)
		}
		for _, w := range c.notWant {
			require.NotContains(t, buf.String(), w, name)
		}
	}
}

// TestAttachTextsInBothLanguages shows every text of the attachments has
// its Portuguese and its English.
func TestAttachTextsInBothLanguages(t *testing.T) {
	t.Parallel()
	for k := range enAttach {
		require.NotEmpty(t, ptBRAttach[k], "no Portuguese for %s", k)
	}
	for k := range ptBRAttach {
		require.NotEmpty(t, enAttach[k], "no English for %s", k)
	}
}
