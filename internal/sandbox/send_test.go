package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSendErrors(t *testing.T) {
	t.Parallel()
	openWindow := func(t *testing.T, sb *Sandbox) {
		_, err := sb.CustomerWrites(loja, ana, "Ana", "oi")
		require.NoError(t, err)
	}
	promo := func(header bool, button bool) map[string]any {
		comps := []map[string]any{{"type": "body", "parameters": []map[string]any{
			{"type": "text", "text": "VERAO20"}, {"type": "text", "text": "20%"}, {"type": "text", "text": "31/03"}}}}
		if header {
			comps = append(comps, map[string]any{"type": "header", "parameters": []map[string]any{{"type": "text", "text": "Ana"}}})
		}
		if button {
			comps = append(comps, map[string]any{"type": "button", "sub_type": "url", "index": "0",
				"parameters": []map[string]any{{"type": "text", "text": "verao"}}})
		}
		return map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "template",
			"template": map[string]any{"name": "promo_offer", "language": map[string]any{"code": "pt_BR"}, "components": comps}}
	}
	cases := []struct {
		name        string
		setup       func(t *testing.T, sb *Sandbox)
		path        string // default msgPath(loja)
		token       string // default testAccessToken; "-" = none
		body        any
		status      int
		code        int
		subcode     int
		typ         string // default OAuthException
		message     string // exact unless prefix is set
		prefix      bool
		detailsHave string
	}{
		{name: "wrong token", token: "not-the-token", body: apptMsg(ana), status: 401, code: 190, subcode: 467,
			message: "(#190) Invalid OAuth access token - Cannot parse access token"},
		{name: "missing token", token: "-", body: apptMsg(ana), status: 401, code: 190,
			message: "(#190) An access token is required to request this resource."},
		{name: "unknown phone number id", path: msgPath("999"), body: apptMsg(ana), status: 400, code: 100, subcode: 33,
			typ: "GraphMethodException", message: "Unsupported post request. Object with ID '999' does not exist", prefix: true},
		{name: "bad version", path: "/sandbox/graph/23.0/" + loja + "/messages", body: apptMsg(ana), status: 400, code: 2500,
			message: "Unknown path components", prefix: true},
		{name: "invalid json", body: "{not json", status: 400, code: 100, message: "(#100) Invalid parameter", prefix: true},
		{name: "messaging_product missing", body: map[string]any{"to": ana, "type": "text", "text": map[string]any{"body": "x"}},
			status: 400, code: 100, message: "(#100) The parameter messaging_product is required."},
		{name: "closed window", body: textMsg(ana, "oi"), status: 400, code: 131047,
			message: "(#131047) Re-engagement message", detailsHave: "more than 24 hours have passed"},
		{name: "not on whatsapp", setup: func(t *testing.T, sb *Sandbox) { sb.SetNotOnWhatsApp("+55 11 91111-2222") },
			body: apptMsg("5511911112222"), status: 400, code: 131026, message: "(#131026) Message Undeliverable"},
		{name: "unknown template", body: tplMsg(ana, "nope", "pt_BR"), status: 404, code: 132001,
			message: "(#132001) Template name does not exist in the translation", detailsHave: "template name (nope) does not exist in pt_BR"},
		{name: "template in another language", body: tplMsg(ana, "appointment_confirmation", "en_US", "a", "b", "c", "d"),
			status: 404, code: 132001, message: "(#132001) Template name does not exist in the translation"},
		{name: "rejected template", body: tplMsg(ana, "mega_blast", "pt_BR"), status: 404, code: 132001,
			message: "(#132001) Template name does not exist in the translation", detailsHave: "REJECTED"},
		{name: "paused template", body: tplMsg(ana, "reactivation_offer", "pt_BR", "Ana"), status: 400, code: 132015,
			message: "(#132015) Template is Paused"},
		{name: "disabled template", setup: func(t *testing.T, sb *Sandbox) { sb.SetTemplateStatus("call_followup", "pt_BR", "DISABLED") },
			body: tplMsg(ana, "call_followup", "pt_BR", "Ana", "Carlos"), status: 400, code: 132016, message: "(#132016) Template is Disabled"},
		{name: "body param count", body: tplMsg(ana, "appointment_confirmation", "pt_BR", "Ana", "Bia"), status: 400, code: 132000,
			message:     "(#132000) Number of parameters does not match the expected number of params",
			detailsHave: "body: number of localizable_params (2) does not match the expected number of params (4)"},
		{name: "params on template without placeholders", body: tplMsg(ana, "hello_world", "en_US", "x"), status: 400, code: 132000,
			detailsHave: "expected number of params (0)"},
		{name: "header param missing", body: promo(false, true), status: 400, code: 132000, detailsHave: "header:"},
		{name: "url button param missing", body: promo(true, false), status: 400, code: 131008,
			detailsHave: "Button at index 0 of type Url requires a parameter"},
		{name: "named param unknown", body: map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "template",
			"template": map[string]any{"name": "delivery_update", "language": map[string]any{"code": "pt_BR"},
				"components": []map[string]any{{"type": "body", "parameters": []map[string]any{
					{"type": "text", "parameter_name": "customer_name", "text": "Ana"},
					{"type": "text", "parameter_name": "tracking", "text": "X"}}}}}},
			status: 400, code: 132000, detailsHave: "parameter name (tracking)"},
		{name: "empty param value", body: tplMsg(ana, "call_followup", "pt_BR", "Ana", " "), status: 400, code: 131008},
		{name: "text too long", setup: openWindow, body: textMsg(ana, strings.Repeat("a", 4097)), status: 400, code: 100,
			message: "(#100) Param text['body'] must be at most 4096 characters long."},
		{name: "text missing body", setup: openWindow, body: map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "text"},
			status: 400, code: 100, message: "(#100) The parameter text['body'] is required."},
		{name: "image without id or link", setup: openWindow, body: map[string]any{"messaging_product": "whatsapp", "to": ana,
			"type": "image", "image": map[string]any{"caption": "x"}}, status: 400, code: 131008},
		{name: "unknown type", setup: openWindow, body: map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "hologram"},
			status: 400, code: 100, message: "(#100) Param type must be one of", prefix: true},
		{name: "invalid to", body: apptMsg("call-me-maybe"), status: 400, code: 131009, message: "(#131009) Parameter value is not valid"},
		{name: "missing to", body: tplMsg("", "hello_world", "en_US"), status: 400, code: 131008, message: "(#131008) Required parameter is missing"},
		{name: "injected 131000", setup: func(t *testing.T, sb *Sandbox) { sb.FailNext(loja, 1, 131000) },
			body: apptMsg(ana), status: 500, code: 131000, message: "(#131000) Something went wrong"},
		{name: "injected 131056 uses throttle status", setup: func(t *testing.T, sb *Sandbox) { sb.FailNext(loja, 1, 131056) },
			body: apptMsg(ana), status: 429, code: 131056, message: "(#131056) (Business Account, Consumer Account) pair rate limit hit"},
		{name: "disconnected sender", setup: func(t *testing.T, sb *Sandbox) { sb.SetSenderStatus(loja, "DISCONNECTED") },
			body: apptMsg(ana), status: 400, code: 133010, message: "(#133010) Phone number Not Registered", detailsHave: "DISCONNECTED"},
		{name: "restricted sender", setup: func(t *testing.T, sb *Sandbox) { sb.SetSenderStatus(loja, "RESTRICTED") },
			body: apptMsg(ana), status: 403, code: 131031},
		{name: "recipient is sender", body: apptMsg("+55 11 4000-0001"), status: 400, code: 131021},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			if tc.setup != nil {
				tc.setup(t, e.sb)
			}
			path, token := tc.path, tc.token
			if path == "" {
				path = msgPath(loja)
			}
			switch token {
			case "":
				token = testAccessToken
			case "-":
				token = ""
			}
			resp, out := e.do(t, http.MethodPost, path, token, tc.body)
			require.Equal(t, tc.status, resp.StatusCode, out)
			f := graphErr(t, resp, out)
			require.Equal(t, tc.code, f.code)
			require.Equal(t, tc.subcode, f.subcode)
			typ := tc.typ
			if typ == "" {
				typ = "OAuthException"
			}
			require.Equal(t, typ, f.typ)
			if tc.message != "" {
				if tc.prefix {
					require.True(t, strings.HasPrefix(f.message, tc.message), f.message)
				} else {
					require.Equal(t, tc.message, f.message)
				}
			}
			if tc.detailsHave != "" {
				require.Contains(t, f.details, tc.detailsHave)
			}
			require.Empty(t, e.sb.Sent(), "a rejected send must not be recorded")
		})
	}
}

func TestSendSuccessShapeAndRecord(t *testing.T) {
	t.Parallel()
	cases := []struct{ to, waID string }{
		{"+55 (11) 98888-7777", anaWaID},
		{"5511988887777", anaWaID},
		{"11988887777", anaWaID}, // national: sender's country code prepended
		{"+1 650-555-1234", "16505551234"},
	}
	for _, tc := range cases {
		t.Run(tc.to, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			resp, out := e.send(t, loja, apptMsg(tc.to))
			require.Equal(t, http.StatusOK, resp.StatusCode, out)
			require.Equal(t, "whatsapp", out["messaging_product"])
			contact := out["contacts"].([]any)[0].(map[string]any)
			require.Equal(t, tc.to, contact["input"])
			require.Equal(t, tc.waID, contact["wa_id"])
			id := out["messages"].([]any)[0].(map[string]any)["id"].(string)
			require.True(t, strings.HasPrefix(id, "wamid."))

			sent := e.sb.Sent()
			require.Len(t, sent, 1)
			require.Equal(t, id, sent[0].WAMID)
			require.Equal(t, tc.to, sent[0].To)
			require.Equal(t, tc.waID, sent[0].WaID)
			require.Equal(t, "template", sent[0].Type)
			require.Equal(t, "appointment_confirmation", sent[0].TemplateName)
			require.Equal(t, "pt_BR", sent[0].TemplateLanguage)
			require.Equal(t, []string{"Ana", "Dra. Beatriz", "12/03 às 14h", "Av. Paulista, 1000"}, sent[0].Params)
			require.Equal(t, "Olá Ana, seu compromisso com Dra. Beatriz está confirmado para 12/03 às 14h. Local: Av. Paulista, 1000", sent[0].Text)
			require.Equal(t, e.clock.Now(), sent[0].Time)
			require.JSONEq(t, mustJSON(t, apptMsg(tc.to)), string(sent[0].Payload))
		})
	}
}

func TestWindowOpensAndCloses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	resp, out := e.send(t, loja, textMsg(ana, "oi"))
	require.Equal(t, 400, resp.StatusCode)
	require.Equal(t, 131047, graphErr(t, resp, out).code)

	_, err := e.sb.CustomerWrites(loja, ana, "Ana", "quero remarcar")
	require.NoError(t, err)
	resp, out = e.send(t, loja, textMsg(ana, "claro!"))
	require.Equal(t, 200, resp.StatusCode, out)

	// The window belongs to the (sender, customer) pair.
	resp, out = e.send(t, suporte, textMsg(ana, "oi do suporte"))
	require.Equal(t, 400, resp.StatusCode)
	require.Equal(t, 131047, graphErr(t, resp, out).code)

	e.clock.Add(24*time.Hour - time.Second)
	resp, _ = e.send(t, loja, textMsg(ana, "ainda dentro"))
	require.Equal(t, 200, resp.StatusCode)
	e.clock.Add(2 * time.Second)
	resp, out = e.send(t, loja, textMsg(ana, "fora da janela"))
	require.Equal(t, 400, resp.StatusCode)
	require.Equal(t, 131047, graphErr(t, resp, out).code)

	// Templates need no window.
	resp, _ = e.send(t, loja, apptMsg(ana))
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, e.sb.Sent(), 3)
}

func TestOtherMessageTypesAccepted(t *testing.T) {
	t.Parallel()
	bodies := map[string]map[string]any{
		"image":    {"type": "image", "image": map[string]any{"link": "https://example.com/a.jpg", "caption": "foto"}},
		"document": {"type": "document", "document": map[string]any{"id": "123", "filename": "a.pdf"}},
		"location": {"type": "location", "location": map[string]any{"latitude": -23.56, "longitude": -46.65, "name": "Loja"}},
		"reaction": {"type": "reaction", "reaction": map[string]any{"message_id": "wamid.X", "emoji": "👍"}},
		"contacts": {"type": "contacts", "contacts": []any{map[string]any{"name": map[string]any{"formatted_name": "Ana"}}}},
		"interactive": {"type": "interactive", "interactive": map[string]any{"type": "button", "body": map[string]any{"text": "Escolha"}, "action": map[string]any{"buttons": []any{
			map[string]any{"type": "reply", "reply": map[string]any{"id": "sim", "title": "Sim"}}}}}},
		"default text": {"text": map[string]any{"body": "sem type"}},
	}
	for name, b := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			_, err := e.sb.CustomerWrites(loja, ana, "Ana", "oi")
			require.NoError(t, err)
			b["messaging_product"] = "whatsapp"
			b["to"] = ana
			resp, out := e.send(t, loja, b)
			require.Equal(t, 200, resp.StatusCode, out)
			sent := e.sb.Sent()
			require.Len(t, sent, 1)
			if name == "default text" {
				require.Equal(t, "text", sent[0].Type)
			}
		})
	}
}

func TestNamedTemplateRendersInAnyOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	resp, out := e.send(t, loja, map[string]any{"messaging_product": "whatsapp", "to": ana, "type": "template",
		"template": map[string]any{"name": "delivery_update", "language": map[string]any{"code": "pt_BR"},
			"components": []map[string]any{{"type": "body", "parameters": []map[string]any{
				{"type": "text", "parameter_name": "order_id", "text": "#42"},
				{"type": "text", "parameter_name": "customer_name", "text": "Ana"}}}}}})
	require.Equal(t, 200, resp.StatusCode, out)
	require.Equal(t, "Olá Ana, seu pedido #42 saiu para entrega.", e.sb.Sent()[0].Text)
}

func TestMarkAsReadAndTyping(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	resp, out := e.send(t, loja, map[string]any{"messaging_product": "whatsapp", "status": "read",
		"message_id": "wamid.HBgLMTY0NjcwNDM1OTUVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "typing_indicator": map[string]any{"type": "text"}})
	require.Equal(t, 200, resp.StatusCode, out)
	require.Equal(t, map[string]any{"success": true}, out)
	require.Empty(t, e.sb.Sent())

	resp, out = e.send(t, loja, map[string]any{"messaging_product": "whatsapp", "status": "read"})
	require.Equal(t, 400, resp.StatusCode)
	require.Equal(t, 100, graphErr(t, resp, out).code)
}

func TestThroughputLimit(t *testing.T) {
	t.Parallel()
	for _, status := range []int{429, 400} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *Config) { c.ThrottleHTTPStatus = status })
			e.sb.SetThroughput(loja, 5)
			for i := range 5 {
				resp, out := e.send(t, loja, apptMsg(ana))
				require.Equal(t, 200, resp.StatusCode, "send %d: %v", i, out)
			}
			resp, out := e.send(t, loja, apptMsg(ana))
			require.Equal(t, status, resp.StatusCode)
			f := graphErr(t, resp, out)
			require.Equal(t, 130429, f.code)
			require.Equal(t, "(#130429) Rate limit hit", f.message)

			// Another sender has its own budget.
			resp, _ = e.send(t, suporte, apptMsg(ana))
			require.Equal(t, 200, resp.StatusCode)

			e.clock.Add(time.Second)
			resp, _ = e.send(t, loja, apptMsg(ana))
			require.Equal(t, 200, resp.StatusCode)
			require.Len(t, e.sb.Sent(), 7)
			resp, out = e.do(t, http.MethodGet, "/sandbox/api/sent/count", "", nil)
			require.Equal(t, 200, resp.StatusCode)
			require.Equal(t, map[string]any{"count": float64(7), "throttled": float64(1)}, out, "benchmarks read the 130429s here")
		})
	}
}

func TestPairRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.PairRateLimit = true })
	e.sb.SetThroughput(loja, 1000)
	for i := range pairBurst {
		resp, _ := e.send(t, loja, apptMsg(ana))
		require.Equal(t, 200, resp.StatusCode, "send %d", i)
	}
	resp, out := e.send(t, loja, apptMsg(ana))
	require.Equal(t, 429, resp.StatusCode)
	require.Equal(t, 131056, graphErr(t, resp, out).code)
	resp, _ = e.send(t, loja, apptMsg("+5511977776666")) // other customers are unaffected
	require.Equal(t, 200, resp.StatusCode)
	e.clock.Add(pairInterval)
	resp, _ = e.send(t, loja, apptMsg(ana))
	require.Equal(t, 200, resp.StatusCode)
}

func TestFailNextCountsDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sb.FailNext(loja, 2, 131000)
	for range 2 {
		resp, out := e.send(t, loja, apptMsg(ana))
		require.Equal(t, 500, resp.StatusCode)
		require.Equal(t, 131000, graphErr(t, resp, out).code)
	}
	resp, _ := e.send(t, loja, apptMsg(ana))
	require.Equal(t, 200, resp.StatusCode)
	// Other senders were never affected.
	resp, _ = e.send(t, suporte, apptMsg(ana))
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, e.sb.Sent(), 2)
}

func TestConcurrentSendsAreAllRecordedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sb.SetThroughput(loja, 1000)
	const workers, each = 20, 5
	var (
		mu  sync.Mutex
		ids = map[string]bool{}
		wg  sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				resp, out := e.send(t, loja, apptMsg(fmt.Sprintf("+55119%08d", w*100+i)))
				if resp.StatusCode != 200 {
					t.Errorf("status %d: %v", resp.StatusCode, out)
					return
				}
				mu.Lock()
				ids[out["messages"].([]any)[0].(map[string]any)["id"].(string)] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Len(t, ids, workers*each)
	sent := e.sb.Sent()
	require.Len(t, sent, workers*each)
	for _, m := range sent {
		require.True(t, ids[m.WAMID])
	}
	e.waitIdle(t)
	require.Len(t, e.in.statuses(t), 3*workers*each)
}

// A send is counted when it arrives, as Meta counts it, not when the
// sandbox's lock lets it through: sends that arrived evenly paced must
// not look bunched because they queued at the lock.
func TestSendIsStampedOnArrival(t *testing.T) {
	t.Parallel()
	var armed atomic.Bool
	arrived := make(chan struct{}, 1)
	e := newEnv(t, func(c *Config) {
		clockNow := c.Now
		c.Now = func() time.Time {
			if armed.CompareAndSwap(true, false) {
				arrived <- struct{}{}
			}
			return clockNow()
		}
	})
	arrivedAt := e.clock.Now()
	e.sb.mu.Lock() // the lock is busy, as under load
	armed.Store(true)
	done := make(chan int)
	go func() {
		resp, _ := e.send(t, loja, apptMsg(ana))
		done <- resp.StatusCode
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second): // only a wedge: stamping takes microseconds
		e.sb.mu.Unlock()
		t.Fatal("the send read no time before waiting for the lock")
	}
	e.clock.Add(700 * time.Millisecond) // the send waits at the lock meanwhile
	e.sb.mu.Unlock()
	require.Equal(t, 200, <-done)
	sent := e.sb.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, arrivedAt, sent[0].Time, "stamped when it arrived, not when the lock was free")
}
