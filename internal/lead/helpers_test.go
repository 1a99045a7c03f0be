package lead_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/account/accounttest"
	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/testclock"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// t0 is the test clock's start.
var t0 = time.Date(2025, 10, 30, 9, 0, 0, 0, time.UTC)

const (
	wabaID        = "102030405060"
	phoneNumberID = "106540352240001"
)

// env is a database with the messaging pipeline and the lead service,
// auto lead hooked to inbound messages.
type env struct {
	db       store.DB
	clock    *testclock.Clock
	st       *settings.Store
	leads    *lead.Service
	msg      *messaging.Service
	account  account.Account
	accounts *account.Service
	sender   account.Sender
}

func newEnv(t testing.TB, db store.DB) *env {
	t.Helper()
	ctx := context.Background()
	box, err := secret.New("test-key")
	require.NoError(t, err)
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(t, err)
	e := &env{db: db, clock: testclock.New(t0)}
	accounts := account.New(account.Options{
		DB: db, Box: box, Queue: q, GraphURL: "https://graph.example", GraphVersion: "v23.0", Now: e.clock.Now,
		GraphFor: func(account.Account) account.Graph { return accounttest.Connected{} },
	})
	accounts.Register(workers, time.Hour)
	e.accounts = accounts
	e.account, err = accounts.CreateAccount(ctx, account.AccountInput{
		Name: ptr("Acme"), WABAID: ptr(wabaID), AccessToken: ptr("tok"), AppSecret: ptr("sec"), VerifyToken: ptr("ver"),
	})
	require.NoError(t, err)
	e.sender, err = accounts.CreateSender(ctx, e.account.ID, account.SenderInput{PhoneNumberID: ptr(phoneNumberID)})
	require.NoError(t, err)
	e.st = settings.New(db, e.clock.Now, 0)
	e.msg = messaging.New(db, accounts, e.st, e.clock.Now, nil)
	e.leads = lead.New(db, e.st, live.New(db, e.clock.Now), e.clock.Now)
	e.msg.OnInbound(e.leads.InboundHook())
	return e
}

func ptr[T any](v T) *T { return &v }

// inbound is a text message from phone, delivered as webhook event.
func inbound(wamid, from string, at time.Time) whatsapp.Event {
	return whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: wabaID, PhoneNumberID: phoneNumberID,
		Message: &whatsapp.InboundMessage{ID: wamid, From: from, ProfileName: "Maria", Timestamp: at, Type: "text",
			Text: &whatsapp.Text{Body: "quanto custa?"}}}
}

// deliver processes one webhook event in its own transaction, as the
// intake worker does.
func (e *env) deliver(ev whatsapp.Event) error {
	ctx := context.Background()
	return e.db.InTx(ctx, func(tx store.Tx) error { return e.msg.Process(ctx, tx, e.account.ID, ev) })
}

// user adds an active user of role with permissions and returns its id.
func (e *env) user(t testing.TB, name, role string, perms ...string) int64 {
	t.Helper()
	if perms == nil {
		perms = []string{}
	}
	p, _ := json.Marshal(perms)
	var id int64
	now := store.Millis(e.clock.Now())
	require.NoError(t, e.db.InTx(context.Background(), func(tx store.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO users (email, name, role, password_hash, permissions, created_at, updated_at)
			VALUES (?, ?, ?, 'x', ?, ?, ?) RETURNING id`, fmt.Sprintf("%s@example.com", name), name, role, string(p), now, now).Scan(&id)
	}))
	return id
}

func (e *env) agent(t testing.TB, name string) int64 { return e.user(t, name, agent.RoleAgent) }

// contact adds a contact and returns its id.
func (e *env) contact(t testing.TB, phone string) int64 {
	t.Helper()
	var id int64
	now := store.Millis(e.clock.Now())
	require.NoError(t, e.db.InTx(context.Background(), func(tx store.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO contacts (wa_id, phone, profile_name, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, phone, "+"+phone, "Contact "+phone, now, now).Scan(&id)
	}))
	return id
}

func (e *env) contactOf(t testing.TB, waID string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, e.db.Read().QueryRow(context.Background(), `SELECT id FROM contacts WHERE wa_id = ?`, waID).Scan(&id))
	return id
}

func (e *env) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.Read().QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// enable turns auto lead on with in's other fields.
func (e *env) enable(t testing.TB, in lead.AutoSettingsInput) lead.AutoSettings {
	t.Helper()
	in.Enabled = ptr(true)
	v, err := e.leads.UpdateAutoSettings(context.Background(), in)
	require.NoError(t, err)
	return v
}
