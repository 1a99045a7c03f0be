package account_test

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
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/testclock"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// t0 is the instant every test's clock starts at.
var t0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// graphCall is one call the fake Graph received.
type graphCall struct {
	Method   string
	GraphURL string // the account's graph_url the client was built for
	Token    string
	ID       string // phone number id or WABA id
}

// fakeGraph answers GetPhoneNumber and ListTemplates from maps and records
// every call.
type fakeGraph struct {
	mu           sync.Mutex
	numbers      map[string]whatsapp.PhoneNumber // by phone number id
	numberErr    error
	templates    map[string][]whatsapp.Template // by WABA id
	templatesErr error
	// onList runs while ListTemplates is on its way (its answer already
	// read): what happens at zapflow meanwhile.
	onList func()
	calls  []graphCall
}

func newFakeGraph() *fakeGraph {
	return &fakeGraph{numbers: map[string]whatsapp.PhoneNumber{}, templates: map[string][]whatsapp.Template{}}
}

type boundGraph struct {
	f   *fakeGraph
	url string
}

func (g boundGraph) GetPhoneNumber(_ context.Context, token, id string) (whatsapp.PhoneNumber, error) {
	f := g.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, graphCall{Method: "GetPhoneNumber", GraphURL: g.url, Token: token, ID: id})
	if f.numberErr != nil {
		return whatsapp.PhoneNumber{}, f.numberErr
	}
	pn, ok := f.numbers[id]
	if !ok {
		return whatsapp.PhoneNumber{}, &whatsapp.APIError{HTTPStatus: 400, Code: 100, Message: "Unsupported get request."}
	}
	return pn, nil
}

func (g boundGraph) ListTemplates(_ context.Context, token, wabaID string) ([]whatsapp.Template, error) {
	f := g.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, graphCall{Method: "ListTemplates", GraphURL: g.url, Token: token, ID: wabaID})
	if f.templatesErr != nil {
		return nil, f.templatesErr
	}
	list := append([]whatsapp.Template(nil), f.templates[wabaID]...)
	if on := f.onList; on != nil {
		f.mu.Unlock()
		on()
		f.mu.Lock()
	}
	return list, nil
}

func (f *fakeGraph) setNumber(pn whatsapp.PhoneNumber, id string) {
	f.mu.Lock()
	f.numbers[id] = pn
	f.mu.Unlock()
}

func (f *fakeGraph) setNumberErr(err error) {
	f.mu.Lock()
	f.numberErr = err
	f.mu.Unlock()
}

func (f *fakeGraph) setTemplates(wabaID string, ts ...whatsapp.Template) {
	f.mu.Lock()
	f.templates[wabaID] = ts
	f.mu.Unlock()
}

func (f *fakeGraph) setOnList(on func()) {
	f.mu.Lock()
	f.onList = on
	f.mu.Unlock()
}

func (f *fakeGraph) setTemplatesErr(err error) {
	f.mu.Lock()
	f.templatesErr = err
	f.mu.Unlock()
}

func (f *fakeGraph) Calls() []graphCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]graphCall(nil), f.calls...)
}

type env struct {
	db    store.DB
	box   *secret.Box
	queue *jobs.Queue
	svc   *account.Service
	graph *fakeGraph
	clock *testclock.Clock
}

func newEnv(t *testing.T, db store.DB) *env {
	t.Helper()
	box, err := secret.New("test-key")
	require.NoError(t, err)
	// River refuses to insert jobs of kinds no worker handles, so the
	// service's workers are registered (the queue is never started).
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(t, err)
	e := &env{db: db, box: box, queue: q, graph: newFakeGraph(), clock: testclock.New(t0)}
	e.svc = account.New(account.Options{
		DB: db, Box: box, Queue: q, GraphURL: "https://graph.example", GraphVersion: "v23.0", Now: e.clock.Now,
		GraphFor: func(a account.Account) account.Graph { return boundGraph{f: e.graph, url: a.GraphURL} },
	})
	e.svc.Register(workers, time.Hour)
	// The sandbox runs, as in a fresh install; sandbox_state_test.go
	// switches it off.
	e.svc.SetSandboxActive(true)
	return e
}

func ptr[T any](v T) *T { return &v }

// accountInput is a complete, valid account.
func accountInput(wabaID string) account.AccountInput {
	return account.AccountInput{
		Name:          ptr("Acme Clínica"),
		WABAID:        ptr(wabaID),
		AccessToken:   ptr("EAAG-token-" + wabaID),
		AppSecret:     ptr("app-secret-" + wabaID),
		VerifyToken:   ptr("verify-" + wabaID),
		DefaultRegion: ptr("br"),
	}
}

func (e *env) createAccount(t *testing.T, wabaID string) account.Account {
	t.Helper()
	a, err := e.svc.CreateAccount(context.Background(), accountInput(wabaID))
	require.NoError(t, err)
	return a
}

// createSender registers a CONNECTED/GREEN number at the fake and adds it.
func (e *env) createSender(t *testing.T, accountID int64, phoneNumberID, display string) account.Sender {
	t.Helper()
	e.graph.setNumber(whatsapp.PhoneNumber{
		DisplayPhoneNumber: display, VerifiedName: "Acme", QualityRating: "GREEN", Status: "CONNECTED", MessagingLimitTier: "TIER_1K",
	}, phoneNumberID)
	sn, err := e.svc.CreateSender(context.Background(), accountID, account.SenderInput{PhoneNumberID: ptr(phoneNumberID)})
	require.NoError(t, err)
	return sn
}

func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.Read().QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// template reads an account's template, which must exist.
func (e *env) template(t *testing.T, accountID int64, name, language string) account.Template {
	t.Helper()
	tp, err := account.TemplateByName(context.Background(), e.db.Read(), accountID, name, language)
	require.NoError(t, err)
	return tp
}

func (e *env) jobCount(t *testing.T, kind string) int {
	t.Helper()
	return e.count(t, `SELECT COUNT(*) FROM river_job WHERE kind = ?`, kind)
}

// senderCheckJobs returns the sender ids of the pending sender.check jobs, in
// insertion order.
func (e *env) senderCheckJobs(t *testing.T) []int64 {
	t.Helper()
	// River keeps args as JSONB: a binary blob on SQLite, jsonb on PostgreSQL.
	col := `args::text`
	if e.db.Dialect() == store.SQLite {
		col = `json(args)`
	}
	rows, err := e.db.Read().Query(context.Background(), `SELECT `+col+` FROM river_job WHERE kind = ? ORDER BY id`, "sender.check")
	require.NoError(t, err)
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var raw string
		require.NoError(t, rows.Scan(&raw))
		var a account.CheckSenderArgs
		require.NoError(t, json.Unmarshal([]byte(raw), &a), raw)
		out = append(out, a.SenderID)
	}
	require.NoError(t, rows.Err())
	return out
}

// ms truncates t to the millisecond precision the store keeps, in UTC.
func ms(t time.Time) time.Time { return store.Time(store.Millis(t)) }
