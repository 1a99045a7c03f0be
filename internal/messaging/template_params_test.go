package messaging_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// recordingCloud accepts every send and keeps the request bodies.
type recordingCloud struct {
	mu     sync.Mutex
	bodies []string
}

func (c *recordingCloud) SendMessage(_ context.Context, _, _ string, payload any) (whatsapp.SendResult, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return whatsapp.SendResult{}, err
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		return whatsapp.SendResult{}, err
	}
	delete(body, "biz_opaque_callback_data")
	raw, _ = json.Marshal(body)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bodies = append(c.bodies, string(raw))
	return whatsapp.SendResult{WAMID: "wamid.tpl" + strconv.Itoa(len(c.bodies))}, nil
}

func (c *recordingCloud) last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bodies) == 0 {
		return ""
	}
	return c.bodies[len(c.bodies)-1]
}

// mediaTemplates are synced templates with media headers and buttons, as
// Meta's template API lists them.
var mediaTemplates = []whatsapp.Template{
	{ID: "9101", Name: "receipt", Language: "pt_BR", Category: "UTILITY", Status: "APPROVED", Components: json.RawMessage(`[
		{"type":"HEADER","format":"IMAGE","example":{"header_handle":["https://scontent.example/h.jpg"]}},
		{"type":"BODY","text":"Olá {{1}}, aqui está o seu recibo."},
		{"type":"BUTTONS","buttons":[
			{"type":"QUICK_REPLY","text":"Recebi"},
			{"type":"URL","text":"Ver pedido","url":"https://loja.example/pedidos/{{1}}"},
			{"type":"COPY_CODE","example":"VERAO20"}]}]`)},
	{ID: "9102", Name: "quote", Language: "pt_BR", Category: "UTILITY", Status: "APPROVED", Components: json.RawMessage(`[
		{"type":"HEADER","format":"DOCUMENT"},
		{"type":"BODY","text":"Segue o orçamento."}]`)},
	{ID: "9103", Name: "teaser", Language: "pt_BR", Category: "MARKETING", Status: "APPROVED", Components: json.RawMessage(`[
		{"type":"HEADER","format":"VIDEO"},
		{"type":"BODY","text":"Novidades!"}]`)},
	{ID: "9104", Name: "greeting", Language: "pt_BR", Category: "UTILITY", Status: "APPROVED", Components: json.RawMessage(`[
		{"type":"HEADER","format":"TEXT","text":"Oi {{1}}"},
		{"type":"BODY","text":"Tudo bem?"}]`)},
}

// Templates with media headers and button parameters reach the Cloud API
// in the template components Meta documents ("Send Message Template
// Media", coupon code templates); the expected bodies are written out by
// hand from those documents, not produced by our encoder. Every parameter
// that does not fit the synced template is a named error, and nothing is
// stored for it.
func TestTemplateMediaHeaderAndButtonParameters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.graph.templates = mediaTemplates
		_, err := e.accounts.SyncTemplates(ctx, e.account.ID)
		require.NoError(t, err)
		cloud := &recordingCloud{}
		o := messaging.NewOutbox(messaging.OutboxOptions{
			DB: e.db, Accounts: e.accounts,
			Limiter:  ratelimit.New(ratelimit.Options{Clock: e.clock, PairRate: ratelimit.NoPairLimit}),
			CloudFor: func(account.Account) messaging.CloudAPI { return cloud },
			Now:      e.clock.Now,
		})
		send := func(name string, vars messaging.Variables) (messaging.Message, error) {
			return o.Send(ctx, messaging.SendRequest{Type: "template", SenderID: e.sender.ID, To: "+5511988887777",
				Template: &messaging.TemplateRef{Name: name, Language: "pt_BR"}, Variables: vars})
		}
		const head = `"messaging_product":"whatsapp","recipient_type":"individual","to":"+5511988887777","type":"template"`
		ok := []struct {
			name, tpl string
			vars      messaging.Variables
			want      string
		}{
			{"image link, quick reply payload, url suffix, coupon code", "receipt",
				messaging.Variables{"header.image": "https://example.com/recibo.jpg", "1": "Ana",
					"button.0": "recibo-recebido", "button.1": "R-12", "button.2": "VERAO20"},
				`{` + head + `,"template":{"name":"receipt","language":{"code":"pt_BR"},"components":[
					{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/recibo.jpg"}}]},
					{"type":"body","parameters":[{"type":"text","text":"Ana"}]},
					{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"recibo-recebido"}]},
					{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"R-12"}]},
					{"type":"button","sub_type":"copy_code","index":"2","parameters":[{"type":"coupon_code","coupon_code":"VERAO20"}]}]}}`},
			{"no payload: the quick reply is left out", "receipt",
				messaging.Variables{"header.image": "1013859600285441", "1": "Bia", "button.1": "R-13", "button.2": "OFF10"},
				`{` + head + `,"template":{"name":"receipt","language":{"code":"pt_BR"},"components":[
					{"type":"header","parameters":[{"type":"image","image":{"id":"1013859600285441"}}]},
					{"type":"body","parameters":[{"type":"text","text":"Bia"}]},
					{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"R-13"}]},
					{"type":"button","sub_type":"copy_code","index":"2","parameters":[{"type":"coupon_code","coupon_code":"OFF10"}]}]}}`},
			{"document with a file name", "quote",
				messaging.Variables{"header.document": "https://example.com/orcamento.pdf", "header.filename": "orcamento.pdf"},
				`{` + head + `,"template":{"name":"quote","language":{"code":"pt_BR"},"components":[
					{"type":"header","parameters":[{"type":"document","document":{"link":"https://example.com/orcamento.pdf","filename":"orcamento.pdf"}}]}]}}`},
			{"video", "teaser", messaging.Variables{"header.video": "https://example.com/novidades.mp4"},
				`{` + head + `,"template":{"name":"teaser","language":{"code":"pt_BR"},"components":[
					{"type":"header","parameters":[{"type":"video","video":{"link":"https://example.com/novidades.mp4"}}]}]}}`},
		}
		for _, c := range ok {
			m, err := send(c.tpl, c.vars)
			require.NoError(t, err, c.name)
			n, err := o.Step(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n, c.name)
			require.JSONEq(t, c.want, cloud.last(), c.name)
			got, err := e.svc.Message(ctx, m.ID)
			require.NoError(t, err)
			require.Equal(t, messaging.StatusSent, got.Status, c.name)
			req, resendable := messaging.ResendRequest(got)
			require.True(t, resendable, c.name)
			require.Equal(t, c.vars, req.Variables, "%s: a retry sends the same parameters", c.name)
		}

		stored := e.count(t, `SELECT COUNT(*) FROM messages`)
		bad := []struct {
			name, tpl string
			vars      messaging.Variables
			field     string
			code      string
		}{
			{"missing media header", "receipt", messaging.Variables{"1": "Ana", "button.1": "R", "button.2": "C"}, "variables.header.image", "invalid_request"},
			{"blank media header", "quote", messaging.Variables{"header.document": " "}, "variables.header.document", "invalid_request"},
			{"media header for a template without one", "promo", messaging.Variables{"header.image": "https://example.com/a.jpg"}, "variables.header.image", "invalid_request"},
			{"media header for a text header", "greeting", messaging.Variables{"header.1": "Ana", "header.video": "https://example.com/a.mp4"}, "variables.header.video", "invalid_request"},
			{"wrong media kind", "teaser", messaging.Variables{"header.image": "https://example.com/a.jpg"}, "variables.header.image", "invalid_request"},
			{"file name of an image header", "receipt", messaging.Variables{"header.image": "https://example.com/a.jpg", "header.filename": "a.jpg", "1": "Ana", "button.1": "R", "button.2": "C"}, "variables.header.filename", "invalid_request"},
			{"neither link nor id", "teaser", messaging.Variables{"header.video": "example.com/a.mp4"}, "variables.header.video", "invalid_request"},
			{"coupon code too long", "receipt", messaging.Variables{"header.image": "https://example.com/a.jpg", "1": "Ana", "button.1": "R", "button.2": "CUPOM-MUITO-LONGO-20"}, "variables.button.2", "invalid_request"},
			{"coupon code missing", "receipt", messaging.Variables{"header.image": "https://example.com/a.jpg", "1": "Ana", "button.1": "R"}, "variables", "invalid_variables"},
			{"a button that takes nothing", "quote", messaging.Variables{"header.document": "https://example.com/a.pdf", "button.0": "x"}, "variables", "invalid_variables"},
		}
		for _, c := range bad {
			_, err := send(c.tpl, c.vars)
			apperrtest.Require(t, err, apperr.KindInvalid, c.code, c.field)
		}
		require.Equal(t, stored, e.count(t, `SELECT COUNT(*) FROM messages`), "nothing is stored for a refused send")
	})
}

// The variable keys a form asks for: media headers and the buttons that
// need a value, not the optional payloads and file name.
func TestTemplateVariablesOfMediaTemplates(t *testing.T) {
	t.Parallel()
	tpl := func(w whatsapp.Template) account.Template {
		return account.Template{Name: w.Name, Language: w.Language, Components: w.Components}
	}
	require.Equal(t, []string{"1", "header.image", "button.1", "button.2"}, messaging.TemplateVariables(tpl(mediaTemplates[0])))
	require.Equal(t, []string{"header.document"}, messaging.TemplateVariables(tpl(mediaTemplates[1])))
	require.Equal(t, []string{"header.1"}, messaging.TemplateVariables(tpl(mediaTemplates[3])))
}
