package ai

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/account/accounttest"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/testclock"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// t0 is when each test's first customer message arrives.
var t0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// chatCall is one request the fake model received.
type chatCall struct {
	Auth        string
	Model       string
	Temperature float64
	Messages    []Message
}

// fakeModel is a local OpenAI-compatible server. By default it answers
// "reply N"; respond overrides the answer (status and body).
type fakeModel struct {
	srv     *httptest.Server
	mu      sync.Mutex
	calls   []chatCall
	respond func(n int) (int, string)
}

func newFakeModel(t *testing.T) *fakeModel {
	f := &fakeModel{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		var body struct {
			Model       string    `json:"model"`
			Temperature float64   `json:"temperature"`
			Messages    []Message `json:"messages"`
		}
		_ = json.Unmarshal(raw, &body)
		f.mu.Lock()
		f.calls = append(f.calls, chatCall{Auth: r.Header.Get("Authorization"), Model: body.Model, Temperature: body.Temperature, Messages: body.Messages})
		n, respond := len(f.calls), f.respond
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if respond != nil {
			status, out := respond(n)
			if status == 0 { // hang until the client gives up
				<-r.Context().Done()
				return
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, out)
			return
		}
		_, _ = io.WriteString(w, completionJSON("reply "+itoa(n)))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func completionJSON(text string) string {
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
		"choices": []map[string]any{{"index": 0, "message": map[string]string{"role": "assistant", "content": text}, "finish_reason": "stop"}},
		"usage":   map[string]int{"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
	})
	return string(b)
}

func (f *fakeModel) Calls() []chatCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chatCall(nil), f.calls...)
}

func (f *fakeModel) last(t *testing.T) chatCall {
	t.Helper()
	c := f.Calls()
	require.NotEmpty(t, c, "the model was not called")
	return c[len(c)-1]
}

// enqueued is one job the hook inserted.
type enqueued struct {
	args river.JobArgs
	opts *river.InsertOpts
}

// recorder stands in for the job queue: it keeps what the hook enqueues
// so a test runs the job itself, on its own clock.
type recorder struct {
	mu   sync.Mutex
	jobs []enqueued
}

func (r *recorder) InsertTx(_ context.Context, _ store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	r.mu.Lock()
	r.jobs = append(r.jobs, enqueued{args, opts})
	r.mu.Unlock()
	return nil
}

// take returns and forgets the jobs enqueued so far.
func (r *recorder) take() []enqueued {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.jobs
	r.jobs = nil
	return out
}

type typingCall struct{ token, phoneNumberID, messageID string }

type fakeTyping struct {
	mu    sync.Mutex
	calls []typingCall
}

func (f *fakeTyping) SendTypingIndicator(_ context.Context, token, phoneNumberID, messageID string) error {
	f.mu.Lock()
	f.calls = append(f.calls, typingCall{token, phoneNumberID, messageID})
	f.mu.Unlock()
	return nil
}

const (
	wabaID   = "102030405060"
	phoneID  = "106540352240001"
	customer = "5511988887777"
)

type env struct {
	db       store.DB
	clock    *testclock.Clock
	model    *fakeModel
	settings *settings.Store
	svc      *Service
	// WhatsApp side, set by withWhatsApp.
	jobs     *recorder
	typing   *fakeTyping
	accounts *account.Service
	msgs     *messaging.Service
	sender   account.Sender
	wamids   int
}

// newEnv builds the AI service on db with the fake model configured.
func newEnv(t *testing.T, db store.DB) *env {
	t.Helper()
	box, err := secret.New("test-key")
	require.NoError(t, err)
	e := &env{db: db, clock: testclock.New(t0), model: newFakeModel(t), jobs: &recorder{}, typing: &fakeTyping{}}
	e.settings = settings.New(db, e.clock.Now, time.Second)
	q, err := jobs.New(db, jobs.Config{Workers: river.NewWorkers()})
	require.NoError(t, err)
	e.accounts = account.New(account.Options{DB: db, Box: box, Queue: q, GraphURL: "https://graph.example", GraphVersion: "v23.0",
		Now: e.clock.Now, GraphFor: func(account.Account) account.Graph { return accounttest.Connected{} }})
	e.msgs = messaging.New(db, e.accounts, nil, e.clock.Now, nil)
	outbox := messaging.NewOutbox(messaging.OutboxOptions{DB: db, Accounts: e.accounts,
		Limiter: ratelimit.New(ratelimit.Options{}), Now: e.clock.Now})
	e.svc = New(Options{DB: db, Box: box, Settings: e.settings, Model: &OpenAI{HTTP: e.model.srv.Client()},
		Queue: e.jobs, Outbox: outbox, Accounts: e.accounts,
		TypingFor: func(account.Account) TypingClient { return e.typing }, Now: e.clock.Now})
	e.msgs.OnInbound(e.svc.InboundHook())
	_, err = e.svc.UpdateAISettings(context.Background(), AISettingsInput{BaseURL: ptr(e.model.srv.URL + "/v1"), APIKey: ptr("sk-test-1234"),
		TimeoutSeconds: ptr(5)})
	require.NoError(t, err)
	return e
}

// withWhatsApp adds an account, a sender, an assistant and turns the
// WhatsApp assistant on with the given delay.
func (e *env) withWhatsApp(t *testing.T, delay int) Assistant {
	t.Helper()
	ctx := context.Background()
	acc, err := e.accounts.CreateAccount(ctx, account.AccountInput{Name: ptr("Acme"), WABAID: ptr(wabaID),
		AccessToken: ptr("EAAG-tok"), AppSecret: ptr("sec"), VerifyToken: ptr("ver")})
	require.NoError(t, err)
	e.sender, err = e.accounts.CreateSender(ctx, acc.ID, account.SenderInput{PhoneNumberID: ptr(phoneID)})
	require.NoError(t, err)
	a := e.assistant(t, "You are Acme's assistant.")
	_, err = e.svc.UpdateAssistantSettings(ctx, AssistantSettingsInput{Enabled: ptr(true), AssistantID: ptr(a.ID),
		Footer: ptr("— Acme bot"), DelaySeconds: ptr(delay)})
	require.NoError(t, err)
	return a
}

func (e *env) assistant(t *testing.T, prompt string) Assistant {
	t.Helper()
	a, err := e.svc.CreateAssistant(context.Background(), AssistantInput{Name: ptr("Ana"), SystemPrompt: ptr(prompt)})
	require.NoError(t, err)
	return a
}

// customerWrites processes an inbound text from the customer at the
// current time and returns its message id.
func (e *env) customerWrites(t *testing.T, body string) int64 {
	t.Helper()
	ctx := context.Background()
	e.wamids++
	wamid := "wamid.IN" + itoa(e.wamids)
	ev := whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: wabaID, PhoneNumberID: phoneID,
		Message: &whatsapp.InboundMessage{ID: wamid, From: customer, ProfileName: "Ana", Timestamp: e.clock.Now(), Type: "text", Text: &whatsapp.Text{Body: body}}}
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error { return e.msgs.Process(ctx, tx, e.sender.AccountID, ev) }))
	var id int64
	require.NoError(t, e.db.Read().QueryRow(ctx, `SELECT id FROM messages WHERE wamid = ?`, wamid).Scan(&id))
	return id
}

// replies are the assistant's outbound messages, oldest first.
func (e *env) replies(t *testing.T) []string {
	t.Helper()
	rows, err := e.db.Read().Query(context.Background(), `SELECT summary FROM messages WHERE direction = 'out' AND source = ? ORDER BY id`, SourceAssistant)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	return out
}

// replyJobs splits what the hook enqueued.
func replyJobs(t *testing.T, jobs []enqueued) (replies []replyArgs, opts []*river.InsertOpts, typing []typingArgs) {
	t.Helper()
	for _, j := range jobs {
		switch a := j.args.(type) {
		case replyArgs:
			replies, opts = append(replies, a), append(opts, j.opts)
		case typingArgs:
			typing = append(typing, a)
		default:
			t.Fatalf("unexpected job %T", j.args)
		}
	}
	return replies, opts, typing
}

// conversationID is the only WhatsApp conversation's id.
func (e *env) conversationID(t *testing.T) int64 {
	t.Helper()
	var id int64
	require.NoError(t, e.db.Read().QueryRow(context.Background(), `SELECT id FROM conversations`).Scan(&id))
	return id
}

// humanSends stores an outbound message with source, as the inbox or the
// API would.
func (e *env) humanSends(t *testing.T, source string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error {
		_, err := e.svc.outbox.SendTx(ctx, tx, messaging.SendRequest{Type: "text", SenderID: e.sender.ID, To: "+" + customer, Text: "hi, Bruno here", Source: source})
		return err
	}))
}

func ptr[T any](v T) *T { return &v }

func itoa(n int) string { return strconv.Itoa(n) }
