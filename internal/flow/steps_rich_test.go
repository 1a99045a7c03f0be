package flow

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
)

func richFlow(steps ...Step) Flow {
	return Flow{Name: "rich", Trigger: Trigger{Type: TriggerMessageReceived}, Steps: steps}
}

func buttons(titles ...string) []ReplyButton {
	var out []ReplyButton
	for i, t := range titles {
		out = append(out, ReplyButton{ID: "b" + string(rune('0'+i)), Title: t})
	}
	return out
}

// send_media and send_interactive are checked at save time by the
// messaging package's limits, each problem at the step's own field.
func TestRichStepValidation(t *testing.T) {
	t.Parallel()
	ok := []Step{
		{ID: "pic", Type: StepSendMedia, Media: "image", Link: "https://example.com/a.png", Caption: "Seu recibo"},
		{ID: "doc", Type: StepSendMedia, Media: "document", MediaID: "{{trigger.media_id}}", Filename: "{{vars.name}}.pdf"},
		{ID: "ask", Type: StepSendInteractive, Text: "Quando?", Header: "Prazo", Footer: "Loja", Buttons: buttons("Hoje", "Esta semana", "Sem pressa")},
		{ID: "pick", Type: StepSendInteractive, Text: "Escolha", Button: "Ver horários", Sections: []ListSection{
			{Title: "Manhã", Rows: []ListRow{{ID: "9h", Title: "09:00", Description: "Dra. Beatriz"}}},
			{Title: "Tarde", Rows: []ListRow{{ID: "14h", Title: "{{vars.slot}}"}}}}},
		// Templated ids and titles stand for values that fit until the step runs.
		{ID: "dyn", Type: StepSendInteractive, Text: "{{vars.q}}", Buttons: []ReplyButton{{ID: "{{vars.a}}", Title: "{{vars.b}}"}, {ID: "{{vars.c}}", Title: "{{vars.d}}"}}},
	}
	ok = append(ok, Step{ID: "tpl", Type: StepSendTemplate, Template: &TemplateRef{Name: "receipt", Language: "pt_BR"},
		Variables: map[string]string{"1": "{{contact.name}}", "header.image": "{{trigger.photo}}", "header.filename": "a.pdf", "header.name": "Ana", "button.0": "STOP"}})
	_, err := Compile(richFlow(ok...), Options{})
	require.NoError(t, err)

	long := strings.Repeat("x", 21)
	bad := []struct {
		name, field, code string
		step              Step
	}{
		{"media kind", "steps[0].media", "required", Step{ID: "s", Type: StepSendMedia, Media: "gif", Link: "https://x"}},
		{"no link", "steps[0].link", "required", Step{ID: "s", Type: StepSendMedia, Media: "image"}},
		{"both", "steps[0].link", "required", Step{ID: "s", Type: StepSendMedia, Media: "image", Link: "https://x", MediaID: "1"}},
		{"not a url", "steps[0].link", "invalid_request", Step{ID: "s", Type: StepSendMedia, Media: "image", Link: "ftp://x"}},
		{"audio caption", "steps[0].caption", "invalid_request", Step{ID: "s", Type: StepSendMedia, Media: "audio", Link: "https://x", Caption: "oi"}},
		{"caption too long", "steps[0].caption", "invalid_request", Step{ID: "s", Type: StepSendMedia, Media: "image", Link: "https://x", Caption: strings.Repeat("x", 1025)}},
		{"image file name", "steps[0].filename", "invalid_request", Step{ID: "s", Type: StepSendMedia, Media: "image", Link: "https://x", Filename: "a.png"}},
		{"media with text", "steps[0].type", "invalid_step", Step{ID: "s", Type: StepSendMedia, Media: "image", Link: "https://x", Text: "oi"}},
		{"no buttons", "steps[0].buttons", "required", Step{ID: "s", Type: StepSendInteractive, Text: "oi"}},
		{"both kinds", "steps[0].buttons", "invalid_step", Step{ID: "s", Type: StepSendInteractive, Text: "oi", Buttons: buttons("a"), Button: "b"}},
		{"no body", "steps[0].text", "invalid_request", Step{ID: "s", Type: StepSendInteractive, Buttons: buttons("a")}},
		{"four buttons", "steps[0].buttons[3]", "invalid_request", Step{ID: "s", Type: StepSendInteractive, Text: "oi", Buttons: buttons("a", "b", "c", "d")}},
		{"title too long", "steps[0].buttons[1].title", "invalid_request", Step{ID: "s", Type: StepSendInteractive, Text: "oi", Buttons: buttons("a", long)}},
		{"repeated id", "steps[0].buttons[1].id", "invalid_request", Step{ID: "s", Type: StepSendInteractive, Text: "oi",
			Buttons: []ReplyButton{{ID: "x", Title: "a"}, {ID: "x", Title: "b"}}}},
		{"header too long", "steps[0].header", "invalid_request", Step{ID: "s", Type: StepSendInteractive, Text: "oi", Header: strings.Repeat("h", 61), Buttons: buttons("a")}},
		{"list button", "steps[0].button", "invalid_request", Step{ID: "s", Type: StepSendInteractive, Text: "oi", Sections: []ListSection{{Rows: []ListRow{{ID: "r", Title: "R"}}}}}},
		{"row title", "steps[0].sections[0].rows[1].title", "invalid_request", Step{ID: "s", Type: StepSendInteractive, Text: "oi", Button: "Ver",
			Sections: []ListSection{{Rows: []ListRow{{ID: "r", Title: "R"}, {ID: "q", Title: strings.Repeat("t", 25)}}}}}},
		{"section title with two", "steps[0].sections[1].title", "invalid_request", Step{ID: "s", Type: StepSendInteractive, Text: "oi", Button: "Ver",
			Sections: []ListSection{{Title: "A", Rows: []ListRow{{ID: "r", Title: "R"}}}, {Rows: []ListRow{{ID: "q", Title: "Q"}}}}}},
		{"bad template", "steps[0].buttons[0].title", "invalid_template", Step{ID: "s", Type: StepSendInteractive, Text: "oi",
			Buttons: []ReplyButton{{ID: "a", Title: "{{vars.x"}}}},
		{"text with buttons", "steps[0].type", "invalid_step", Step{ID: "s", Type: StepSendText, Text: "oi", Buttons: buttons("a")}},
		{"template with a link", "steps[0].type", "invalid_step", Step{ID: "s", Type: StepSendTemplate, Template: &TemplateRef{Name: "t", Language: "pt_BR"}, Link: "https://x"}},
		{"template variable key", "steps[0].variables.button.x", "invalid_variables", Step{ID: "s", Type: StepSendTemplate,
			Template: &TemplateRef{Name: "t", Language: "pt_BR"}, Variables: map[string]string{"button.x": "1"}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(richFlow(tc.step), Options{})
			ae, ok := apperr.As(err)
			require.True(t, ok, "want an apperr, got %v", err)
			require.Equal(t, tc.field, ae.Field, ae.Message)
			require.Equal(t, tc.code, ae.Code, ae.Message)
			require.NotContains(t, ae.Message, "interactive.", "the message names the step's field, not the API's")
			if strings.HasPrefix(tc.code, "invalid_request") && strings.Contains(ae.Message, "steps[0]") {
				require.Contains(t, ae.Message, tc.field)
			}
		})
	}
}

// The steps render their templates and hand the outbox the messaging
// package's rich content; a tapped button comes back as reply.id, which a
// branch routes on.
func TestRichStepsSendAndRouteOnTheReply(t *testing.T) {
	t.Parallel()
	fl := richFlow(
		Step{ID: "pic", Type: StepSendMedia, Media: "document", Link: "https://example.com/{{trigger.order}}.pdf", Caption: "Pedido {{trigger.order}}", Filename: "pedido-{{trigger.order}}.pdf"},
		Step{ID: "ask", Type: StepSendInteractive, Text: "Tudo certo com o pedido {{trigger.order}}?", Buttons: []ReplyButton{{ID: "ok", Title: "Sim"}, {ID: "help", Title: "Preciso de ajuda"}}},
		Step{ID: "answer", Type: StepWaitForReply, Timeout: "1h"},
		Step{ID: "route", Type: StepBranch, Branches: []Branch{{When: `steps.answer.reply.id == "help"`, Steps: []Step{{ID: "helping", Type: StepSendText, Text: "Um atendente já vem."}}}},
			Else: []Step{{ID: "thanks", Type: StepSendText, Text: "Obrigado!"}}},
	)
	c, err := Compile(fl, Options{})
	require.NoError(t, err)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	run := func(reply messaging.Message) (string, []Effect) {
		st := NewState(1, map[string]any{"order": "A7"}, map[string]any{"phone": "+5511988887777"}, 5, "1", now)
		st, effects, _ := Advance(c, st, Input{Kind: InputStart, Now: now})
		require.Len(t, effects, 1)
		send := effects[0].Send
		require.Equal(t, "document", send.Type)
		require.Equal(t, &messaging.RichContent{Document: &messaging.Media{Link: "https://example.com/A7.pdf", Caption: "Pedido A7", Filename: "pedido-A7.pdf"}}, send.Rich)
		st, effects, _ = Advance(c, st, Input{Kind: InputResult, Now: now, Key: st.Wait.Key, Output: map[string]any{"status": "sent"}})
		require.Len(t, effects, 1)
		in := effects[0].Send.Rich.Interactive
		require.Equal(t, "interactive", effects[0].Send.Type)
		require.Equal(t, "Tudo certo com o pedido A7?", in.Body.Text)
		require.Equal(t, "help", in.Action.Buttons[1].Reply.ID)
		require.Equal(t, "Preciso de ajuda", in.Action.Buttons[1].Reply.Title)
		st, _, _ = Advance(c, st, Input{Kind: InputResult, Now: now, Key: st.Wait.Key, Output: map[string]any{"status": "sent"}})
		require.Equal(t, WaitReply, st.Wait.Kind)
		out := map[string]any{"text": reply.Summary, "type": reply.Type, "reply": replyOf(reply)}
		st, effects, _ = Advance(c, st, Input{Kind: InputReply, Now: now, Output: out})
		require.Len(t, effects, 1)
		return effects[0].Send.Text, effects
	}
	tap := func(id, title string) messaging.Message {
		return messaging.Message{Type: "interactive", Summary: title,
			Content: json.RawMessage(`{"type":"button_reply","button_reply":{"id":"` + id + `","title":"` + title + `"}}`)}
	}
	text, _ := run(tap("help", "Preciso de ajuda"))
	require.Equal(t, "Um atendente já vem.", text)
	text, _ = run(tap("ok", "Sim"))
	require.Equal(t, "Obrigado!", text)
	text, _ = run(messaging.Message{Type: "text", Summary: "preciso de ajuda", Content: json.RawMessage(`{"body":"preciso de ajuda"}`)})
	require.Equal(t, "Obrigado!", text, "a typed answer has an empty reply.id, and the condition does not fail on it")
}

// Each inbound answer's reply, as WhatsApp stores it.
func TestReplyOf(t *testing.T) {
	t.Parallel()
	msg := func(typ, content string) messaging.Message {
		return messaging.Message{Type: typ, Content: json.RawMessage(content)}
	}
	require.Equal(t, map[string]any{"type": "button_reply", "id": "yes", "title": "Sim"},
		replyOf(msg("interactive", `{"type":"button_reply","button_reply":{"id":"yes","title":"Sim"}}`)))
	require.Equal(t, map[string]any{"type": "list_reply", "id": "9h", "title": "09:00", "description": "Dra. Beatriz"},
		replyOf(msg("interactive", `{"type":"list_reply","list_reply":{"id":"9h","title":"09:00","description":"Dra. Beatriz"}}`)))
	require.Equal(t, map[string]any{"type": "quick_reply", "id": "STOP_PROMOS", "title": "Parar promoções"},
		replyOf(msg("button", `{"payload":"STOP_PROMOS","text":"Parar promoções"}`)))
	require.Equal(t, map[string]any{"type": "", "id": "", "title": ""}, replyOf(msg("text", `{"body":"oi"}`)))
}

// A field error in a step's buttons points at the line of the file that
// holds it (the editor shows it there).
func TestRichStepFieldLine(t *testing.T) {
	t.Parallel()
	src := []byte(`name: ask
trigger:
  type: whatsapp.message_received
steps:
  - id: ask
    type: send_interactive
    text: Quando?
    buttons:
      - id: soon
        title: Hoje
      - id: week
        title: Esta semana que vem, sem falta
`)
	fl, err := Parse(src, YAML)
	require.NoError(t, err)
	_, err = Compile(fl, Options{})
	ae, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "steps[0].buttons[1].title", ae.Field)
	require.Equal(t, 12, FieldLine(src, YAML, ae.Field))
}
