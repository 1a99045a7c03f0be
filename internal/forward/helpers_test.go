package forward_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/account/accounttest"
	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/testclock"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// t0 is the test clock's start.
var t0 = time.Date(2025, 10, 30, 12, 0, 0, 0, time.UTC)

const wabaID = "102030405060"

// env is one account with one sender, the messaging service and the
// forwarding service on a database, with its clock.
type env struct {
	db      store.DB
	clock   *testclock.Clock
	msg     *messaging.Service
	fwd     *forward.Service
	opts    forward.Options // fwd's, for a second instance
	account account.Account
	sender  account.Sender
}

// options adjust the forwarding service before it is built.
type option func(*forward.Options)

// noBackoff is the test hook that skips backoff waits: a retry is due at
// once (the clock does not move by itself in tests).
func noBackoff(o *forward.Options) { o.Retry = forward.RetryPolicy{Factor: 2, Window: 24 * time.Hour} }

// guarded builds the forwarding service's HTTP client and URL check
// through the outbound guard, allowing loopback (where httptest
// receivers listen) only when allowLoopback.
func guarded(allowLoopback bool) option {
	return func(o *forward.Options) {
		var allow netguard.Allowlist
		if allowLoopback {
			allow, _ = netguard.ParseAllowlist("127.0.0.1")
		}
		g := netguard.New(netguard.Options{Allow: allow})
		o.HTTP, o.CheckURL = g.Client(5*time.Second), g.CheckURL
	}
}

func newEnv(t testing.TB, db store.DB, opts ...option) *env {
	t.Helper()
	ctx := context.Background()
	box, err := secret.New("test-key")
	require.NoError(t, err)
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(t, err)
	e := &env{db: db, clock: testclock.New(t0)}
	accounts := account.New(account.Options{DB: db, Box: box, Queue: q, GraphURL: "https://graph.example", GraphVersion: "v23.0",
		Now: e.clock.Now, GraphFor: func(account.Account) account.Graph { return accounttest.Connected{} }})
	accounts.Register(workers, time.Hour)
	e.account, err = accounts.CreateAccount(ctx, account.AccountInput{Name: ptr("Acme"), WABAID: ptr(wabaID),
		AccessToken: ptr("tok"), AppSecret: ptr("sec"), VerifyToken: ptr("ver")})
	require.NoError(t, err)
	e.sender, err = accounts.CreateSender(ctx, e.account.ID, account.SenderInput{PhoneNumberID: ptr("106540352240001")})
	require.NoError(t, err)
	st := settings.New(db, e.clock.Now, time.Second)
	e.msg = messaging.New(db, accounts, st, e.clock.Now, nil)
	o := forward.Options{DB: db, Box: box, Settings: st, PublicURL: "https://zapflow.example", Now: e.clock.Now,
		Jitter: func() float64 { return 0.5 }}
	guarded(true)(&o)
	for _, opt := range opts {
		opt(&o)
	}
	e.opts = o
	e.fwd = e.instance(t)
	e.msg.OnInbound(e.fwd.InboundHook())
	return e
}

// instance starts a forwarding service on e's database, as another
// `zapflow serve` sharing it would run one.
func (e *env) instance(t testing.TB) *forward.Service {
	t.Helper()
	f := forward.New(e.opts)
	f.Start(context.Background())
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		f.Stop(sctx)
	})
	return f
}

func ptr[T any](v T) *T { return &v }

// enable switches forwarding on to url with method and returns the
// signing secret it generated.
func (e *env) enable(t testing.TB, method, url string) string {
	t.Helper()
	v, err := e.fwd.Update(context.Background(), forward.Input{Enabled: ptr(true), Method: ptr(method), URL: ptr(url)})
	require.NoError(t, err)
	require.NotEmpty(t, v.NewSecret, "the first switch-on generates the secret")
	return v.NewSecret
}

// inbound stores a text message from customer waID (name) with body.
func (e *env) inbound(t testing.TB, wamid, waID, name, body string) {
	t.Helper()
	e.inboundMsg(t, &whatsapp.InboundMessage{ID: wamid, From: waID, ProfileName: name, Timestamp: e.clock.Now().Add(-time.Second),
		Type: "text", Text: &whatsapp.Text{Body: body}})
}

func (e *env) inboundMsg(t testing.TB, m *whatsapp.InboundMessage) {
	t.Helper()
	ctx := context.Background()
	ev := whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: wabaID, PhoneNumberID: e.sender.PhoneNumberID, Message: m}
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error { return e.msg.Process(ctx, tx, e.account.ID, ev) }))
}

func (e *env) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.Read().QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

// waitLimit bounds each wait for the dispatcher: generous, because the
// tests share a loaded machine; it only matters when something hangs.
const waitLimit = 3 * time.Minute

// eventually polls cond every 10 ms for up to limit.
func eventually(t testing.TB, limit time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: "+msg, args...)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// request is one request a receiver got.
type request struct {
	Method, RawQuery, Timestamp, Signature, Delivery, Agent string
	Body                                                    []byte
	// Done is closed when the sender gave up on the request.
	Done <-chan struct{}
}

// receiver is a local endpoint that answers each request with answer(n)
// (n: how many requests of that delivery it has seen, 1-based) and keeps
// every request.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []request
	seen   map[string]int
	answer func(r request, n int) (int, http.Header)
}

func newReceiver(t testing.TB, answer func(r request, n int) (int, http.Header)) *receiver {
	rc := &receiver{seen: map[string]int{}, answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := request{Method: r.Method, RawQuery: r.URL.RawQuery, Timestamp: r.Header.Get(forward.HeaderTimestamp),
			Signature: r.Header.Get(forward.HeaderSignature), Delivery: r.Header.Get(forward.HeaderDelivery), Body: body, Done: r.Context().Done(), Agent: r.UserAgent()}
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, req)
		rc.seen[req.Delivery]++
		n := rc.seen[req.Delivery]
		rc.mu.Unlock()
		code, h := rc.answer(req, n)
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"ok":%t}`, code < 300)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

func always(code int) func(request, int) (int, http.Header) {
	return func(request, int) (int, http.Header) { return code, nil }
}

// payload decodes a POST's body.
func payload(t testing.TB, r request) forward.Payload {
	t.Helper()
	var p forward.Payload
	require.NoError(t, json.Unmarshal(r.Body, &p), "%s", r.Body)
	return p
}

type lazyString func() string

func (l lazyString) String() string { return l() }

func (e *env) debugRows(t testing.TB) string {
	rows, err := e.db.Read().Query(context.Background(), `SELECT id, state, attempts, next_attempt_at, lease_until, last_status, last_error FROM forward_deliveries`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, att, next, lease, st int64
		var state, le string
		_ = rows.Scan(&id, &state, &att, &next, &lease, &st, &le)
		out = append(out, fmt.Sprint(id, state, att, next, lease, st, le))
	}
	return fmt.Sprint(out, " now=", e.clock.Now().UnixMilli())
}
