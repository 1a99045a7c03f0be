package messaging_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/testclock"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// t0 is when the first customer message of each test was sent.
var t0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// fakeGraph knows every phone number id as a CONNECTED number of the
// quality set by setQuality (GREEN until then), and lists one approved
// marketing template, "promo".
type fakeGraph struct {
	mu      sync.Mutex
	quality string
	// templates are listed after "promo".
	templates []whatsapp.Template
}

func (g *fakeGraph) setQuality(q string) {
	g.mu.Lock()
	g.quality = q
	g.mu.Unlock()
}

func (g *fakeGraph) GetPhoneNumber(_ context.Context, _, id string) (whatsapp.PhoneNumber, error) {
	g.mu.Lock()
	q := g.quality
	g.mu.Unlock()
	if q == "" {
		q = "GREEN"
	}
	return whatsapp.PhoneNumber{ID: id, DisplayPhoneNumber: "+55 11 4000-" + id[len(id)-4:], VerifiedName: "Acme",
		Status: "CONNECTED", QualityRating: q}, nil
}

func (g *fakeGraph) ListTemplates(context.Context, string, string) ([]whatsapp.Template, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]whatsapp.Template{{ID: "9001", Name: "promo", Language: "pt_BR", Category: "MARKETING", Status: "APPROVED",
		Components: json.RawMessage(`[{"type":"BODY","text":"Ofertas da semana"}]`)}}, g.templates...), nil
}

const wabaID = "102030405060"

type env struct {
	db       store.DB
	clock    *testclock.Clock
	graph    *fakeGraph
	accounts *account.Service
	svc      *messaging.Service
	account  account.Account
	sender   account.Sender
	inbound  []messaging.InboundEvent
}

// newEnv builds the services with one account and one sender, and records
// every inbound hook call.
func newEnv(t testing.TB, db store.DB) *env {
	t.Helper()
	ctx := context.Background()
	box, err := secret.New("test-key")
	require.NoError(t, err)
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(t, err)
	e := &env{db: db, clock: testclock.New(t0.Add(time.Minute)), graph: &fakeGraph{}}
	e.accounts = account.New(account.Options{
		DB: db, Box: box, Queue: q, GraphURL: "https://graph.example", GraphVersion: "v23.0", Now: e.clock.Now,
		GraphFor: func(account.Account) account.Graph { return e.graph },
	})
	e.accounts.Register(workers, time.Hour)
	e.account, err = e.accounts.CreateAccount(ctx, account.AccountInput{
		Name: ptr("Acme"), WABAID: ptr(wabaID), AccessToken: ptr("tok"), AppSecret: ptr("sec"), VerifyToken: ptr("ver"),
	})
	require.NoError(t, err)
	e.sender = e.addSender(t, "106540352240001")
	e.svc = messaging.New(db, e.accounts, nil, e.clock.Now, nil)
	e.svc.OnInbound(func(_ context.Context, _ store.Tx, ev messaging.InboundEvent) error {
		e.inbound = append(e.inbound, ev)
		return nil
	})
	return e
}

func (e *env) addSender(t testing.TB, phoneNumberID string) account.Sender {
	t.Helper()
	sn, err := e.accounts.CreateSender(context.Background(), e.account.ID, account.SenderInput{PhoneNumberID: ptr(phoneNumberID)})
	require.NoError(t, err)
	return sn
}

func ptr[T any](v T) *T { return &v }

// process applies one event in its own transaction.
func (e *env) process(ev whatsapp.Event) error {
	ctx := context.Background()
	return e.db.InTx(ctx, func(tx store.Tx) error { return e.svc.Process(ctx, tx, e.account.ID, ev) })
}

func (e *env) mustProcess(t *testing.T, ev whatsapp.Event) {
	t.Helper()
	require.NoError(t, e.process(ev))
}

// text is a text message from a customer to sender.
func text(sender account.Sender, wamid, from, name string, at time.Time, body string) whatsapp.Event {
	return whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: wabaID, PhoneNumberID: sender.PhoneNumberID,
		Message: &whatsapp.InboundMessage{ID: wamid, From: from, ProfileName: name, Timestamp: at, Type: "text", Text: &whatsapp.Text{Body: body}}}
}

func status(wamid, st string, at time.Time, errs ...whatsapp.Error) whatsapp.Event {
	return whatsapp.Event{Kind: whatsapp.EventStatus, WABAID: wabaID, PhoneNumberID: "106540352240001",
		Status: &whatsapp.Status{ID: wamid, Status: st, RecipientID: "5511988887777", Timestamp: at, Errors: errs}}
}

func (e *env) onlyConversation(t *testing.T) messaging.Conversation {
	t.Helper()
	page, err := e.svc.Conversations(context.Background(), messaging.ConversationFilter{})
	require.NoError(t, err)
	require.Len(t, page.Conversations, 1)
	return page.Conversations[0]
}

func (e *env) messages(t *testing.T, convID int64) []messaging.Message {
	t.Helper()
	ms, err := e.svc.Messages(context.Background(), convID, 0)
	require.NoError(t, err)
	return ms
}

func (e *env) messageByWAMID(t *testing.T, wamid string) messaging.Message {
	t.Helper()
	var convID int64
	require.NoError(t, e.db.Read().QueryRow(context.Background(), `SELECT conversation_id FROM messages WHERE wamid = ?`, wamid).Scan(&convID))
	for _, m := range e.messages(t, convID) {
		if m.WAMID == wamid {
			return m
		}
	}
	t.Fatalf("no message %s", wamid)
	return messaging.Message{}
}

func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.Read().QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// outbound stores an outbound message in conv and records Meta's wamid.
func (e *env) outbound(t *testing.T, convID int64, wamid string, sentAt time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	now := store.Millis(e.clock.Now())
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error {
		var err error
		id, err = messaging.InsertOutbound(ctx, tx, convID, "text", []byte(`{"body":"olá"}`), "olá", now)
		if err != nil {
			return err
		}
		return messaging.RecordSent(ctx, tx, id, wamid, store.Millis(sentAt), now)
	}))
	return id
}
