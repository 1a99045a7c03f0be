package campaign_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/campaign"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/testclock"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// fakeGraph knows every phone number as CONNECTED and GREEN, and lists
// one approved marketing template "promo" with two placeholders and no
// opt-out, and a utility template "aviso" with none.
type fakeGraph struct{ mu sync.Mutex }

func (g *fakeGraph) GetPhoneNumber(_ context.Context, _, id string) (whatsapp.PhoneNumber, error) {
	return whatsapp.PhoneNumber{ID: id, DisplayPhoneNumber: "+55 11 4000-" + id[len(id)-4:], VerifiedName: "Acme",
		Status: "CONNECTED", QualityRating: "GREEN", MessagingLimitTier: "TIER_1K"}, nil
}

func (*fakeGraph) ListTemplates(context.Context, string, string) ([]whatsapp.Template, error) {
	return []whatsapp.Template{
		{ID: "9001", Name: "promo", Language: "pt_BR", Category: "MARKETING", Status: "APPROVED",
			Components: json.RawMessage(`[{"type":"BODY","text":"Olá {{1}}, sua oferta: {{2}}"}]`)},
		{ID: "9002", Name: "aviso", Language: "pt_BR", Category: "UTILITY", Status: "APPROVED",
			Components: json.RawMessage(`[{"type":"BODY","text":"Aviso geral"}]`)},
	}, nil
}

type env struct {
	db       store.DB
	clock    *testclock.Clock
	accounts *account.Service
	outbox   *messaging.Outbox
	svc      *campaign.Service
	sender   account.Sender
	sender2  account.Sender
}

func ptr[T any](v T) *T { return &v }

func newEnv(t testing.TB, db store.DB) *env {
	t.Helper()
	ctx := context.Background()
	box, err := secret.New("test-key")
	require.NoError(t, err)
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(t, err)
	e := &env{db: db, clock: testclock.New(t0)}
	g := &fakeGraph{}
	e.accounts = account.New(account.Options{DB: db, Box: box, Queue: q, GraphURL: "https://graph.example", GraphVersion: "v23.0",
		Now: e.clock.Now, GraphFor: func(account.Account) account.Graph { return g }})
	e.accounts.Register(workers, time.Hour)
	acc, err := e.accounts.CreateAccount(ctx, account.AccountInput{Name: ptr("Acme"), WABAID: ptr("102030405060"),
		AccessToken: ptr("tok"), AppSecret: ptr("sec"), VerifyToken: ptr("ver"), DefaultRegion: ptr("BR")})
	require.NoError(t, err)
	e.sender, err = e.accounts.CreateSender(ctx, acc.ID, account.SenderInput{PhoneNumberID: ptr("106540352240001")})
	require.NoError(t, err)
	e.sender2, err = e.accounts.CreateSender(ctx, acc.ID, account.SenderInput{PhoneNumberID: ptr("106540352240002")})
	require.NoError(t, err)
	_, err = e.accounts.SyncTemplates(ctx, acc.ID)
	require.NoError(t, err)
	e.outbox = messaging.NewOutbox(messaging.OutboxOptions{DB: db, Accounts: e.accounts, Now: e.clock.Now})
	e.svc = campaign.New(campaign.Options{DB: db, Accounts: e.accounts, Outbox: e.outbox, Now: e.clock.Now, Batch: 100})
	return e
}

// contact adds a contact with tags and custom fields.
func (e *env) contact(t testing.TB, phone, name string, tags []string, fields map[string]string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error {
		now := store.Millis(e.clock.Now())
		if err := tx.QueryRow(ctx, `INSERT INTO contacts (wa_id, phone, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			strings.TrimPrefix(phone, "+"), phone, name, now, now).Scan(&id); err != nil {
			return err
		}
		for _, tg := range tags {
			if _, err := tx.Exec(ctx, `INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)`, id, tg); err != nil {
				return err
			}
		}
		for k, v := range fields {
			if _, err := tx.Exec(ctx, `INSERT INTO contact_fields (contact_id, name, value) VALUES (?, ?, ?)`, id, k, v); err != nil {
				return err
			}
		}
		return nil
	}))
	return id
}

func (e *env) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }))
}

// phoneN is the n-th valid Brazilian mobile number.
func phoneN(n int) string { return fmt.Sprintf("+55119%08d", 10000000+n) }

// draft creates a campaign sending promo from senders with the mapping.
func (e *env) draft(t testing.TB, a campaign.Audience, mapping map[string]campaign.Source, senders ...int64) campaign.Campaign {
	t.Helper()
	if len(senders) == 0 {
		senders = []int64{e.sender.ID}
	}
	c, err := e.svc.Create(context.Background(), 1, campaign.Input{Name: "Black Friday", Config: campaign.Config{
		SenderIDs: senders, Template: campaign.Template{Name: "promo", Language: "pt_BR"}, Mapping: mapping, Audience: a,
		Pause: campaign.PauseRules{Quality: "RED", Offline: true, ErrorShare: 0.2}}})
	require.NoError(t, err)
	return c
}

var nameMapping = map[string]campaign.Source{"1": {From: "contact.name", Default: "cliente"}, "2": {From: "text:10% off"}}

// started tests and starts c.
func (e *env) started(t testing.TB, c campaign.Campaign, to string) {
	t.Helper()
	ctx := context.Background()
	_, err := e.svc.Test(ctx, c.ID, to)
	require.NoError(t, err)
	c, err = e.svc.Start(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, campaign.StatusRunning, c.Status)
}

// dispatch stands in for the outbox's sender: every queued campaign
// message is accepted by Meta (or fails with code when failCode is set).
func (e *env) dispatch(t testing.TB, failCode string) {
	t.Helper()
	// Like the outbox, a message that leaves the queue is no longer due
	// (send_at 0).
	if failCode != "" {
		e.exec(t, `UPDATE messages SET status = 'failed', send_at = 0, error_code = ? WHERE status = 'queued' AND source LIKE 'campaign:%'`, failCode)
		return
	}
	e.exec(t, `UPDATE messages SET status = 'sent', send_at = 0 WHERE status = 'queued' AND source LIKE 'campaign:%'`)
}

// rounds runs rounds a tick apart, dispatching after each, until the
// campaign stops running or max rounds passed; it returns the rounds run.
func (e *env) rounds(t testing.TB, id int64, max int) int {
	t.Helper()
	for i := 1; i <= max; i++ {
		e.clock.Add(campaign.DefaultTick)
		_, done, err := e.svc.Round(context.Background(), id)
		require.NoError(t, err)
		e.dispatch(t, "")
		if done {
			return i
		}
	}
	return max
}

// sendsPerRecipient counts the campaign's messages per recipient phone.
func (e *env) sendsPerRecipient(t testing.TB, id int64) map[string]int {
	t.Helper()
	rows, err := e.db.Read().Query(context.Background(), `SELECT k.phone, COUNT(*) FROM messages m JOIN conversations v ON v.id = m.conversation_id
		JOIN contacts k ON k.id = v.contact_id WHERE m.source = ? GROUP BY k.phone`, fmt.Sprintf("campaign:%d", id))
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p string
		var n int
		require.NoError(t, rows.Scan(&p, &n))
		out[p] = n
	}
	require.NoError(t, rows.Err())
	return out
}
