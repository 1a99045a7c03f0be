package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/testclock"
)

const (
	loja    = "100000000000011"
	suporte = "100000000000012"
	ana     = "+5511988887777"
	anaWaID = "5511988887777"

	// The secrets testConfig gives the sandbox (its own default is random).
	testAppSecret   = "test-app-secret"
	testAccessToken = "test-access-token"
	testVerifyToken = "test-verify-token"
)

// captured is one webhook POST as our intake saw it.
type captured struct {
	body        []byte
	sig, ctype  string
	answeredErr bool
}

// intake stands in for zapflow's webhook endpoint.
type intake struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []captured
	fail int // answer the next fail POSTs with 500
}

func newIntake(t *testing.T) *intake {
	in := &intake{}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet { // Meta's subscription handshake
			if r.URL.Query().Get("hub.verify_token") != testVerifyToken {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			_, _ = io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		body, _ := io.ReadAll(r.Body)
		in.mu.Lock()
		c := captured{body: body, sig: r.Header.Get("X-Hub-Signature-256"), ctype: r.Header.Get("Content-Type")}
		if in.fail > 0 {
			in.fail--
			c.answeredErr = true
		}
		in.reqs = append(in.reqs, c)
		in.mu.Unlock()
		if c.answeredErr {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(in.srv.Close)
	return in
}

func (in *intake) setFail(n int) {
	in.mu.Lock()
	in.fail = n
	in.mu.Unlock()
}

func (in *intake) requests() []captured {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]captured(nil), in.reqs...)
}

// Test-side decoding of webhook payloads (independent of the package's own types).
type tPayload struct {
	Object string   `json:"object"`
	Entry  []tEntry `json:"entry"`
}

type tEntry struct {
	ID      string    `json:"id"`
	Time    *int64    `json:"time"`
	Changes []tChange `json:"changes"`
}

type tChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type tValue struct {
	MessagingProduct string `json:"messaging_product"`
	Metadata         struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		From      string `json:"from"`
		ID        string `json:"id"`
		Timestamp string `json:"timestamp"`
		Type      string `json:"type"`
		Text      struct {
			Body string `json:"body"`
		} `json:"text"`
	} `json:"messages"`
	Statuses []tStatus `json:"statuses"`
}

type tStatus struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Timestamp    string `json:"timestamp"`
	RecipientID  string `json:"recipient_id"`
	Conversation *struct {
		ID                  string `json:"id"`
		ExpirationTimestamp string `json:"expiration_timestamp"`
		Origin              struct {
			Type string `json:"type"`
		} `json:"origin"`
	} `json:"conversation"`
	Pricing *struct {
		Billable     bool   `json:"billable"`
		PricingModel string `json:"pricing_model"`
		Type         string `json:"type"`
		Category     string `json:"category"`
	} `json:"pricing"`
	Errors []struct {
		Code  int    `json:"code"`
		Title string `json:"title"`
	} `json:"errors"`
}

func decodePayload(t *testing.T, body []byte) tPayload {
	t.Helper()
	var p tPayload
	require.NoError(t, json.Unmarshal(body, &p))
	require.Equal(t, "whatsapp_business_account", p.Object)
	return p
}

// messageValues returns every "messages" change value of every successful POST, in order.
func (in *intake) messageValues(t *testing.T) []tValue {
	t.Helper()
	var out []tValue
	for _, c := range in.requests() {
		if !c.answeredErr {
			out = append(out, in.valuesOf(t, c)...)
		}
	}
	return out
}

// valuesOf decodes the "messages" changes of one POST.
func (in *intake) valuesOf(t *testing.T, c captured) []tValue {
	t.Helper()
	var out []tValue
	for _, e := range decodePayload(t, c.body).Entry {
		for _, ch := range e.Changes {
			if ch.Field != "messages" {
				continue
			}
			var v tValue
			require.NoError(t, json.Unmarshal(ch.Value, &v))
			out = append(out, v)
		}
	}
	return out
}

func (in *intake) statuses(t *testing.T) []tStatus {
	t.Helper()
	var out []tStatus
	for _, v := range in.messageValues(t) {
		out = append(out, v.Statuses...)
	}
	return out
}

// env is a started sandbox, its HTTP server, our fake intake and the clock.
type env struct {
	sb    *Sandbox
	srv   *httptest.Server
	in    *intake
	clock *testclock.Clock
}

func testConfig(in *intake, clock *testclock.Clock) Config {
	return Config{
		WebhookURL:   in.srv.URL,
		AppSecret:    testAppSecret,
		AccessToken:  testAccessToken,
		VerifyToken:  testVerifyToken,
		Now:          clock.Now,
		StatusDelay:  NoStatusDelay,
		Logger:       slog.New(slog.DiscardHandler),
		RetryInitial: 5 * time.Millisecond,
		RetryMax:     20 * time.Millisecond,
	}
}

func newEnv(t *testing.T, mutate func(*Config)) *env {
	t.Helper()
	e := newStoppedEnv(t, mutate)
	e.start(t)
	return e
}

// newStoppedEnv builds everything but does not start delivery.
func newStoppedEnv(t *testing.T, mutate func(*Config)) *env {
	t.Helper()
	clock := testclock.New(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	in := newIntake(t)
	cfg := testConfig(in, clock)
	if mutate != nil {
		mutate(&cfg)
	}
	sb := New(cfg)
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return &env{sb: sb, srv: srv, in: in, clock: clock}
}

func (e *env) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	e.sb.Start(ctx)
	t.Cleanup(func() { cancel(); e.sb.Close() })
}

// waitIdle waits for every queued webhook to be delivered. Its bound
// only ends a test that would hang: with the race detector on a busy
// machine, TestWebhookBatchesStayWithin3MB's 4 MB of messages took more
// than 10 s once in CI.
func (e *env) waitIdle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, e.sb.WaitIdle(ctx))
}

// do performs an HTTP request against the sandbox and decodes a JSON object answer.
func (e *env) do(t *testing.T, method, path, token string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 && raw[0] == '{' {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp, out
}

func msgPath(phoneID string) string { return "/sandbox/graph/v23.0/" + phoneID + "/messages" }

// send POSTs a message from phoneID with the right token.
func (e *env) send(t *testing.T, phoneID string, body any) (*http.Response, map[string]any) {
	t.Helper()
	return e.do(t, http.MethodPost, msgPath(phoneID), testAccessToken, body)
}

func textMsg(to, body string) map[string]any {
	return map[string]any{"messaging_product": "whatsapp", "to": to, "type": "text", "text": map[string]any{"body": body}}
}

// tplMsg builds a positional template send with body parameters.
func tplMsg(to, name, lang string, bodyParams ...string) map[string]any {
	params := make([]map[string]any, 0, len(bodyParams))
	for _, p := range bodyParams {
		params = append(params, map[string]any{"type": "text", "text": p})
	}
	tpl := map[string]any{"name": name, "language": map[string]any{"code": lang}}
	if len(params) > 0 {
		tpl["components"] = []map[string]any{{"type": "body", "parameters": params}}
	}
	return map[string]any{"messaging_product": "whatsapp", "to": to, "type": "template", "template": tpl}
}

func apptMsg(to string) map[string]any {
	return tplMsg(to, "appointment_confirmation", "pt_BR", "Ana", "Dra. Beatriz", "12/03 às 14h", "Av. Paulista, 1000")
}

// graphErr extracts and sanity-checks a Graph error envelope.
type graphErrFields struct {
	message, typ, details, trace string
	code, subcode                int
}

func graphErr(t *testing.T, resp *http.Response, out map[string]any) graphErrFields {
	t.Helper()
	require.Contains(t, out, "error")
	e := out["error"].(map[string]any)
	var f graphErrFields
	f.message, _ = e["message"].(string)
	f.typ, _ = e["type"].(string)
	f.trace, _ = e["fbtrace_id"].(string)
	code, _ := e["code"].(float64)
	f.code = int(code)
	if sc, ok := e["error_subcode"].(float64); ok {
		f.subcode = int(sc)
	}
	data, ok := e["error_data"].(map[string]any)
	require.True(t, ok, "error_data must be an object")
	require.Equal(t, "whatsapp", data["messaging_product"])
	f.details, _ = data["details"].(string)
	require.NotEmpty(t, f.details)
	require.NotEmpty(t, f.trace)
	require.Equal(t, f.trace, resp.Header.Get("x-fb-trace-id"))
	return f
}
