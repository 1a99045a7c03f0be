package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/messaging"
)

// Rich outbound messages: each type reaches the Cloud API (the sandbox) as
// the body Meta documents. The expected bodies are written out literally
// from Meta's "Messages" reference, not produced by our encoder.

// openWindow has the customer write to sender 1 and waits until zapflow
// stored the message; it returns the inbound message's id and wamid.
func openWindow(t *testing.T, env *apptest.Env, to string) (int64, string) {
	t.Helper()
	wamid, err := env.App.Sandbox.CustomerWrites(phone1, to, "Ana", "Oi")
	require.NoError(t, err)
	env.Eventually(func() bool {
		var page messaging.ConversationPage
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/conversations?sender_id=1&phone="+url.QueryEscape(to), nil, &page))
		return len(page.Conversations) == 1 && page.Conversations[0].WindowOpen
	}, "the window opens")
	var id int64
	env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM messages WHERE wamid = ?`, wamid) == 1 }, "inbound stored")
	id = int64(env.Count(`SELECT id FROM messages WHERE wamid = ?`, wamid))
	return id, wamid
}

// sentBody waits until Meta accepted message id and returns the body the
// sandbox received for it, without our biz_opaque_callback_data.
func sentBody(t *testing.T, env *apptest.Env, id int64) string {
	t.Helper()
	var m messaging.Message
	waitUntil(t, func() bool { m = getMessage(t, env, id); return accepted(m) }, "message %d sent", id)
	for _, s := range env.App.Sandbox.Sent() {
		if s.WAMID == m.WAMID {
			var body map[string]any
			require.NoError(t, json.Unmarshal(s.Payload, &body))
			delete(body, "biz_opaque_callback_data")
			out, err := json.Marshal(body)
			require.NoError(t, err)
			return string(out)
		}
	}
	t.Fatalf("the sandbox has no message %s", m.WAMID)
	return ""
}

func rich(typ, to string, content map[string]any) map[string]any {
	b := map[string]any{"type": typ, "sender": 1, "to": to}
	for k, v := range content {
		b[k] = v
	}
	return b
}

func TestSendRichBodiesAsDocumented(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		const to = "+5511955552222"
		inID, inWAMID := openWindow(t, env, to)
		const head = `"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511955552222"`
		cases := []struct {
			name    string
			req     map[string]any
			want    string
			summary string
		}{
			{"image", rich("image", to, map[string]any{"image": map[string]any{"link": "https://example.com/recibo.jpg", "caption": "Seu recibo"}}),
				`{` + head + `,"type":"image","image":{"link":"https://example.com/recibo.jpg","caption":"Seu recibo"}}`, "Seu recibo"},
			{"document", rich("document", to, map[string]any{"document": map[string]any{"link": "https://example.com/orcamento.pdf", "filename": "orcamento.pdf", "caption": "Orçamento"}}),
				`{` + head + `,"type":"document","document":{"link":"https://example.com/orcamento.pdf","filename":"orcamento.pdf","caption":"Orçamento"}}`, "Orçamento"},
			{"audio", rich("audio", to, map[string]any{"audio": map[string]any{"id": "1013859600285441"}}),
				`{` + head + `,"type":"audio","audio":{"id":"1013859600285441"}}`, "[audio]"},
			{"video", rich("video", to, map[string]any{"video": map[string]any{"link": "https://example.com/demo.mp4"}}),
				`{` + head + `,"type":"video","video":{"link":"https://example.com/demo.mp4"}}`, "[video]"},
			{"sticker", rich("sticker", to, map[string]any{"sticker": map[string]any{"link": "https://example.com/oi.webp"}}),
				`{` + head + `,"type":"sticker","sticker":{"link":"https://example.com/oi.webp"}}`, "[sticker]"},
			{"location", rich("location", to, map[string]any{"location": map[string]any{"latitude": -23.561414, "longitude": -46.655881, "name": "Loja Paulista", "address": "Av. Paulista, 1000"}}),
				`{` + head + `,"type":"location","location":{"latitude":-23.561414,"longitude":-46.655881,"name":"Loja Paulista","address":"Av. Paulista, 1000"}}`, "📍 Loja Paulista"},
			{"contacts", rich("contacts", to, map[string]any{"contacts": []any{map[string]any{
				"name":   map[string]any{"formatted_name": "Suporte Acme", "first_name": "Suporte"},
				"phones": []any{map[string]any{"phone": "+55 11 4000-0000", "type": "WORK"}}}}}),
				`{` + head + `,"type":"contacts","contacts":[{"name":{"formatted_name":"Suporte Acme","first_name":"Suporte"},"phones":[{"phone":"+55 11 4000-0000","type":"WORK"}]}]}`, "👤 Suporte Acme"},
			{"buttons", rich("interactive", to, map[string]any{"interactive": map[string]any{"type": "button",
				"header": map[string]any{"type": "text", "text": "Agendamento"},
				"body":   map[string]any{"text": "Confirma a consulta?"}, "footer": map[string]any{"text": "Clínica Acme"},
				"action": map[string]any{"buttons": []any{
					map[string]any{"type": "reply", "reply": map[string]any{"id": "yes", "title": "Confirmar"}},
					map[string]any{"type": "reply", "reply": map[string]any{"id": "no", "title": "Remarcar"}}}}}}),
				`{` + head + `,"type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"Agendamento"},"body":{"text":"Confirma a consulta?"},"footer":{"text":"Clínica Acme"},"action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Confirmar"}},{"type":"reply","reply":{"id":"no","title":"Remarcar"}}]}}}`,
				"Confirma a consulta?"},
			{"list", rich("interactive", to, map[string]any{"interactive": map[string]any{"type": "list",
				"body": map[string]any{"text": "Escolha um horário"},
				"action": map[string]any{"button": "Ver horários", "sections": []any{
					map[string]any{"title": "Manhã", "rows": []any{map[string]any{"id": "9h", "title": "09:00", "description": "Dra. Beatriz"}}},
					map[string]any{"title": "Tarde", "rows": []any{map[string]any{"id": "14h", "title": "14:00"}}}}}}}),
				`{` + head + `,"type":"interactive","interactive":{"type":"list","body":{"text":"Escolha um horário"},"action":{"button":"Ver horários","sections":[{"title":"Manhã","rows":[{"id":"9h","title":"09:00","description":"Dra. Beatriz"}]},{"title":"Tarde","rows":[{"id":"14h","title":"14:00"}]}]}}}`,
				"Escolha um horário"},
			{"reaction", rich("reaction", to, map[string]any{"reaction": map[string]any{"message_id": inID, "emoji": "👍"}}),
				`{` + head + `,"type":"reaction","reaction":{"message_id":"` + inWAMID + `","emoji":"👍"}}`, "reacted 👍"},
			{"reply", rich("text", to, map[string]any{"text": "Claro!", "reply_to": inID}),
				`{` + head + `,"type":"text","text":{"body":"Claro!","preview_url":false},"context":{"message_id":"` + inWAMID + `"}}`, "Claro!"},
			{"image reply", rich("image", to, map[string]any{"image": map[string]any{"link": "https://example.com/a.png"}, "reply_to": inID}),
				`{` + head + `,"type":"image","image":{"link":"https://example.com/a.png"},"context":{"message_id":"` + inWAMID + `"}}`, "[image]"},
		}
		for _, c := range cases {
			r := send(t, env, c.req)
			require.Equal(t, http.StatusAccepted, r.status, "%s: %s", c.name, r.raw)
			require.JSONEq(t, c.want, sentBody(t, env, r.msg.ID), c.name)
			m := getMessage(t, env, r.msg.ID)
			typ, _ := c.req["type"].(string)
			require.Equal(t, typ, m.Type, c.name)
			require.Equal(t, c.summary, m.Summary, c.name)
			require.NotEmpty(t, m.Content, c.name)
		}
	})
}

func TestSendRichInteractiveLimits(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		const to = "+5511955553333"
		openWindow(t, env, to)
		btn := func(id, title string) map[string]any {
			return map[string]any{"type": "reply", "reply": map[string]any{"id": id, "title": title}}
		}
		buttons := func(bs ...any) map[string]any {
			return rich("interactive", to, map[string]any{"interactive": map[string]any{"type": "button",
				"body": map[string]any{"text": "Escolha"}, "action": map[string]any{"buttons": bs}}})
		}
		rows := func(n int) []any {
			out := []any{}
			for i := range n {
				out = append(out, map[string]any{"id": "r" + strconv.Itoa(i), "title": "Linha"})
			}
			return out
		}
		list := func(button string, sections ...any) map[string]any {
			return rich("interactive", to, map[string]any{"interactive": map[string]any{"type": "list",
				"body": map[string]any{"text": "Escolha"}, "action": map[string]any{"button": button, "sections": sections}}})
		}
		withPart := func(b map[string]any, key string, v any) map[string]any {
			b["interactive"].(map[string]any)[key] = v
			return b
		}
		elevenSections := []any{}
		for i := range 11 {
			elevenSections = append(elevenSections, map[string]any{"title": "S" + strconv.Itoa(i), "rows": []any{map[string]any{"id": "x" + strconv.Itoa(i), "title": "X"}}})
		}
		cases := []struct {
			name, field string
			req         map[string]any
		}{
			{"four buttons", "interactive.action.buttons[3]", buttons(btn("a", "A"), btn("b", "B"), btn("c", "C"), btn("d", "D"))},
			{"no buttons", "interactive.action.buttons", buttons()},
			{"button title over 20", "interactive.action.buttons[0].reply.title", buttons(btn("a", strings.Repeat("t", 21)))},
			{"button id over 256", "interactive.action.buttons[1].reply.id", buttons(btn("a", "A"), btn(strings.Repeat("i", 257), "B"))},
			{"repeated button id", "interactive.action.buttons[1].reply.id", buttons(btn("a", "A"), btn("a", "B"))},
			{"button body over 1024", "interactive.body.text", withPart(buttons(btn("a", "A")), "body", map[string]any{"text": strings.Repeat("b", 1025)})},
			{"header over 60", "interactive.header.text", withPart(buttons(btn("a", "A")), "header", map[string]any{"type": "text", "text": strings.Repeat("h", 61)})},
			{"footer over 60", "interactive.footer.text", withPart(buttons(btn("a", "A")), "footer", map[string]any{"text": strings.Repeat("f", 61)})},
			{"list button over 20", "interactive.action.button", list(strings.Repeat("v", 21), map[string]any{"rows": rows(1)})},
			{"eleven sections", "interactive.action.sections[10]", list("Ver", elevenSections...)},
			{"eleven rows", "interactive.action.sections[0].rows[10]", list("Ver", map[string]any{"rows": rows(11)})},
			{"row title over 24", "interactive.action.sections[0].rows[0].title", list("Ver", map[string]any{"rows": []any{map[string]any{"id": "a", "title": strings.Repeat("t", 25)}}})},
			{"row description over 72", "interactive.action.sections[0].rows[0].description", list("Ver", map[string]any{"rows": []any{map[string]any{"id": "a", "title": "A", "description": strings.Repeat("d", 73)}}})},
			{"row id over 200", "interactive.action.sections[0].rows[0].id", list("Ver", map[string]any{"rows": []any{map[string]any{"id": strings.Repeat("i", 201), "title": "A"}}})},
			{"section title over 24", "interactive.action.sections[0].title", list("Ver", map[string]any{"title": strings.Repeat("s", 25), "rows": rows(1)})},
			{"untitled section among two", "interactive.action.sections[1].title", list("Ver", map[string]any{"title": "A", "rows": rows(1)}, map[string]any{"rows": []any{map[string]any{"id": "z", "title": "Z"}}})},
			{"list body over 4096", "interactive.body.text", withPart(list("Ver", map[string]any{"rows": rows(1)}), "body", map[string]any{"text": strings.Repeat("b", 4097)})},
			{"media header on a list", "interactive.header.type", withPart(list("Ver", map[string]any{"rows": rows(1)}), "header", map[string]any{"type": "image", "image": map[string]any{"link": "https://example.com/a.png"}})},
		}
		before := env.Count(`SELECT COUNT(*) FROM messages`)
		sent := len(env.App.Sandbox.Sent())
		for _, c := range cases {
			r := send(t, env, c.req)
			requireRefused(t, r, "invalid_request")
			require.Equal(t, c.field, r.err.Error.Field, "%s: %s", c.name, r.raw)
		}
		require.Equal(t, before, env.Count(`SELECT COUNT(*) FROM messages`), "nothing stored")
		require.Len(t, env.App.Sandbox.Sent(), sent, "nothing sent")

		// Exactly at every limit: accepted.
		r := send(t, env, list(strings.Repeat("v", 20), map[string]any{"title": strings.Repeat("s", 24), "rows": rows(10)}))
		require.Equal(t, http.StatusAccepted, r.status, r.raw)
		r = send(t, env, buttons(btn(strings.Repeat("i", 256), strings.Repeat("t", 20)), btn("b", "B"), btn("c", "C")))
		require.Equal(t, http.StatusAccepted, r.status, r.raw)
	})
}

// uploadSend POSTs a multipart send with a file.
func uploadSend(t *testing.T, env *apptest.Env, fields map[string]string, mimeType, filename string, data []byte) sendResult {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, w.WriteField(k, v))
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, filename))
	h.Set("Content-Type", mimeType)
	p, err := w.CreatePart(h)
	require.NoError(t, err)
	_, _ = p.Write(data)
	require.NoError(t, w.Close())
	req, err := http.NewRequest(http.MethodPost, env.URL+"/api/v1/messages", &buf)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+env.APIKey)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := sendResult{status: resp.StatusCode, raw: string(raw)}
	if r.status >= 400 {
		require.NoError(t, json.Unmarshal(raw, &r.err), "body: %s", raw)
	} else {
		require.NoError(t, json.Unmarshal(raw, &r.msg), "body: %s", raw)
	}
	return r
}

func TestSendRichUpload(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		const to = "+5511955554444"
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 2048)...)

		// Outside the window: refused before anything is uploaded.
		r := uploadSend(t, env, map[string]string{"sender": "1", "to": to, "type": "image"}, "image/png", "a.png", png)
		requireRefused(t, r, "outside_window")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages`))

		openWindow(t, env, to)
		before := env.Count(`SELECT COUNT(*) FROM messages`)
		sent := len(env.App.Sandbox.Sent())
		r = uploadSend(t, env, map[string]string{"sender": "1", "to": to, "type": "image"}, "image/gif", "a.gif", []byte("GIF89a"))
		requireRefused(t, r, "unsupported_media_type")
		require.Equal(t, "file", r.err.Error.Field)
		r = uploadSend(t, env, map[string]string{"sender": "1", "to": to, "type": "image"}, "image/png", "big.png", make([]byte, 5<<20+1))
		requireRefused(t, r, "media_too_large")
		require.Equal(t, "file", r.err.Error.Field)
		r = uploadSend(t, env, map[string]string{"sender": "1", "to": to, "type": "sticker"}, "image/webp", "s.webp", append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), make([]byte, 100<<10)...))
		requireRefused(t, r, "media_too_large")
		r = uploadSend(t, env, map[string]string{"sender": "1", "to": to, "type": "audio"}, "application/pdf", "a.pdf", []byte("%PDF-1.4"))
		requireRefused(t, r, "unsupported_media_type")
		require.Equal(t, before, env.Count(`SELECT COUNT(*) FROM messages`), "nothing stored")
		require.Len(t, env.App.Sandbox.Sent(), sent, "nothing sent")

		// A good file is uploaded to the media endpoint and sent by its id.
		r = uploadSend(t, env, map[string]string{"sender": "1", "to": to, "type": "document", "caption": "Orçamento"}, "application/pdf", "orcamento.pdf", []byte("%PDF-1.4 quote"))
		require.Equal(t, http.StatusAccepted, r.status, r.raw)
		body := sentBody(t, env, r.msg.ID)
		var got struct {
			Document struct {
				ID string `json:"id"`
			} `json:"document"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		require.Regexp(t, `^[0-9]+$`, got.Document.ID)
		require.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511955554444","type":"document",
			"document":{"id":"`+got.Document.ID+`","caption":"Orçamento","filename":"orcamento.pdf"}}`, body)
	})
}

func TestSendRichRefusals(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		const to = "+5511955555555"
		// Outside the window every non-template type is refused like text.
		for _, req := range []map[string]any{
			rich("image", to, map[string]any{"image": map[string]any{"link": "https://example.com/a.png"}}),
			rich("location", to, map[string]any{"location": map[string]any{"latitude": 1.5, "longitude": 2.5}}),
			rich("interactive", to, map[string]any{"interactive": map[string]any{"type": "button", "body": map[string]any{"text": "Oi"},
				"action": map[string]any{"buttons": []any{map[string]any{"type": "reply", "reply": map[string]any{"id": "a", "title": "A"}}}}}}),
		} {
			r := send(t, env, req)
			requireRefused(t, r, "outside_window")
			require.Equal(t, "type", r.err.Error.Field)
		}
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages`))

		inID, inWAMID := openWindow(t, env, to)
		before := env.Count(`SELECT COUNT(*) FROM messages`)
		r := send(t, env, rich("reaction", to, map[string]any{"reaction": map[string]any{"message_id": 987654, "emoji": "👍"}}))
		requireRefused(t, r, "message_not_found")
		require.Equal(t, "reaction.message_id", r.err.Error.Field)
		r = send(t, env, rich("text", to, map[string]any{"text": "Oi", "reply_to": 987654}))
		requireRefused(t, r, "message_not_found")
		require.Equal(t, "reply_to", r.err.Error.Field)
		r = send(t, env, rich("audio", to, map[string]any{"audio": map[string]any{"link": "https://example.com/a.ogg", "caption": "x"}}))
		requireRefused(t, r, "invalid_request")
		require.Equal(t, "audio.caption", r.err.Error.Field)
		r = send(t, env, rich("location", to, map[string]any{"location": map[string]any{"latitude": 91, "longitude": 2}}))
		requireRefused(t, r, "invalid_request")
		require.Equal(t, "location.latitude", r.err.Error.Field)
		r = send(t, env, rich("contacts", to, map[string]any{"contacts": []any{map[string]any{"phones": []any{}}}}))
		requireRefused(t, r, "invalid_request")
		require.Equal(t, "contacts[0].name.formatted_name", r.err.Error.Field)
		r = send(t, env, rich("image", to, map[string]any{"image": map[string]any{}}))
		requireRefused(t, r, "invalid_request")
		require.Equal(t, "image", r.err.Error.Field)
		r = send(t, env, rich("poll", to, nil))
		requireRefused(t, r, "invalid_request")
		require.Equal(t, before, env.Count(`SELECT COUNT(*) FROM messages`), "nothing stored")

		// Mark as read: the documented body reaches the Cloud API.
		status, raw, err := post(env, http.MethodPost, "/api/v1/messages/"+strconv.FormatInt(inID, 10)+"/read", nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, string(raw))
		reads := env.App.Sandbox.Reads()
		require.NotEmpty(t, reads)
		require.JSONEq(t, `{"messaging_product":"whatsapp","status":"read","message_id":"`+inWAMID+`"}`, string(reads[len(reads)-1].Payload))

		// Our own message cannot be marked read; an unknown one is not found.
		out := send(t, env, withWait(textTo(to, "Oi")))
		require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, out.status, out.raw)
		status, raw, err = post(env, http.MethodPost, "/api/v1/messages/"+strconv.FormatInt(out.msg.ID, 10)+"/read", nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusUnprocessableEntity, status, string(raw))
		require.Contains(t, string(raw), "not_inbound")
		status, _, err = post(env, http.MethodPost, "/api/v1/messages/99999999/read", nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusNotFound, status)
		require.Len(t, env.App.Sandbox.Reads(), len(reads))
	})
}
