package intake_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/intake"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/testclock"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Three accounts: A and C are two WABAs of one Meta app (one app secret),
// B is another business with its own secret.
const (
	wabaA, wabaB, wabaC = "111000111", "222000222", "333000333"
	pnidA, pnidB, pnidC = "1110001", "2220002", "3330003"
	customerWAID        = "5511988887777"
)

// numberGraph knows every phone number id as a connected GREEN number.
type numberGraph struct{}

func (numberGraph) GetPhoneNumber(_ context.Context, _, id string) (whatsapp.PhoneNumber, error) {
	return whatsapp.PhoneNumber{ID: id, DisplayPhoneNumber: "+55 11 4000-" + id[len(id)-4:], VerifiedName: "Biz " + id,
		Status: "CONNECTED", QualityRating: "GREEN"}, nil
}

func (numberGraph) ListTemplates(context.Context, string, string) ([]whatsapp.Template, error) {
	return []whatsapp.Template{}, nil
}

type forgeryEnv struct {
	db         store.DB
	metrics    *metrics.Metrics
	dispatcher *intake.Dispatcher
	writer     *intake.Writer
	accounts   map[string]account.Account // by WABA id
	senders    map[string]account.Sender  // by phone number id
	clock      *testclock.Clock
}

func newForgeryEnv(t *testing.T, db store.DB) *forgeryEnv {
	t.Helper()
	ctx := context.Background()
	box, err := secret.New("test-key")
	require.NoError(t, err)
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(t, err)
	e := &forgeryEnv{db: db, metrics: metrics.New(), clock: testclock.New(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)),
		accounts: map[string]account.Account{}, senders: map[string]account.Sender{}}
	accounts := account.New(account.Options{DB: db, Box: box, Queue: q, GraphURL: "https://graph.example", GraphVersion: "v23.0",
		Now: e.clock.Now, GraphFor: func(account.Account) account.Graph { return numberGraph{} }})
	accounts.Register(workers, time.Hour)
	for _, a := range []struct{ waba, pnid, secret string }{{wabaA, pnidA, "app-one-secret"}, {wabaB, pnidB, "app-two-secret"}, {wabaC, pnidC, "app-one-secret"}} {
		acc, err := accounts.CreateAccount(ctx, account.AccountInput{Name: ptr("Biz " + a.waba), WABAID: ptr(a.waba),
			AccessToken: ptr("tok"), AppSecret: ptr(a.secret), VerifyToken: ptr("ver")})
		require.NoError(t, err)
		e.accounts[a.waba] = acc
		sn, err := accounts.CreateSender(ctx, acc.ID, account.SenderInput{PhoneNumberID: ptr(a.pnid)})
		require.NoError(t, err)
		e.senders[a.pnid] = sn
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := messaging.New(db, accounts, nil, e.clock.Now, log)
	// Wired as the app wires them: statuses are applied in batches (on
	// PostgreSQL as they are stored), the rest one by one; on SQLite every
	// event as it is stored, after what is pending.
	e.dispatcher = intake.NewDispatcher(db, svc.Process, e.metrics, log, e.clock.Now, time.Hour)
	e.dispatcher.LockFirst(svc.LockStatusTargets)
	e.dispatcher.ApplyBatchFirst(svc.ApplyStatusBatch)
	e.writer = intake.NewWriter(db, func(map[int]bool) {}, e.metrics, log)
	if db.Dialect() == store.Postgres {
		e.writer.ApplyOnStore(messaging.BatchableStatus, svc.LockStatusTargets, svc.ApplyStatusBatch)
	} else {
		e.writer.ApplyWhenCaughtUp(e.dispatcher)
	}
	e.writer.Start()
	t.Cleanup(e.writer.Close)
	return e
}

func ptr[T any](v T) *T { return &v }

// deliver stores events as signed by signer's account and applies them.
func (e *forgeryEnv) deliver(t *testing.T, signerWABA string, evs ...whatsapp.Event) {
	t.Helper()
	ctx := context.Background()
	signer := e.accounts[signerWABA].ID
	rows := make([]intake.Row, 0, len(evs))
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		require.NoError(t, err)
		rows = append(rows, intake.NewRow(signer, ev, b, store.Millis(e.clock.Now())))
	}
	_, err := e.writer.Submit(ctx, rows)
	require.NoError(t, err)
	e.processAll(t)
	pending, err := intake.Pending(ctx, e.db.Read())
	require.NoError(t, err)
	require.Zero(t, pending)
}

// processAll runs every lane once.
func (e *forgeryEnv) processAll(t *testing.T) {
	t.Helper()
	for lane := range intake.Partitions {
		_, err := e.dispatcher.ProcessBatch(context.Background(), lane)
		require.NoError(t, err)
	}
}

func (e *forgeryEnv) dropped() float64 {
	return testutil.ToFloat64(e.metrics.EventsDropped.WithLabelValues(messaging.CodeForeignEvent))
}

func (e *forgeryEnv) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.Read().QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

func (e *forgeryEnv) str(t *testing.T, q string, args ...any) string {
	t.Helper()
	var s string
	require.NoError(t, e.db.Read().QueryRow(context.Background(), q, args...).Scan(&s))
	return s
}

// inbound is a customer's text; its body makes its wamid.
func inbound(waba, pnid, body string, at time.Time) whatsapp.Event {
	return whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: waba, PhoneNumberID: pnid,
		Message: &whatsapp.InboundMessage{ID: "wamid.IN-" + strings.ReplaceAll(body, " ", "-"), From: customerWAID,
			ProfileName: "Ana", Timestamp: at, Type: "text", Text: &whatsapp.Text{Body: body}}}
}

func statusEvent(waba, pnid, wamid, status, opaque string, at time.Time) whatsapp.Event {
	return whatsapp.Event{Kind: whatsapp.EventStatus, WABAID: waba, PhoneNumberID: pnid,
		Status: &whatsapp.Status{ID: wamid, Status: status, RecipientID: customerWAID, Timestamp: at, BizOpaqueCallbackData: opaque}}
}

// outbound stores a message A sent to the customer: recorded with wamid,
// or still queued (in doubt) when wamid is empty.
func (e *forgeryEnv) outbound(t *testing.T, wamid string) int64 {
	t.Helper()
	ctx := context.Background()
	now := store.Millis(e.clock.Now())
	var id int64
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error {
		var conv int64
		if err := tx.QueryRow(ctx, `SELECT c.id FROM conversations c WHERE c.sender_id = ?`, e.senders[pnidA].ID).Scan(&conv); err != nil {
			return err
		}
		var err error
		if id, err = messaging.InsertOutbound(ctx, tx, conv, "text", []byte(`{"body":"olá"}`), "olá", now); err != nil || wamid == "" {
			return err
		}
		return messaging.RecordSent(ctx, tx, id, wamid, now, now)
	}))
	return id
}

// TestForgedEventsAreDropped posts, signed with account B's secret, every
// kind of event about account A. None changes anything of A; each is
// counted as dropped and keeps the reason on its stored row. Events of A's
// WABA signed by C, another WABA of A's Meta app, do apply.
func TestForgedEventsAreDropped(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newForgeryEnv(t, db)
		now := e.clock.Now()
		e.deliver(t, wabaA, inbound(wabaA, pnidA, "oi", now.Add(-time.Hour)))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM messages`))
		sent := e.outbound(t, "wamid.A-SENT")
		inDoubt := e.outbound(t, "")
		require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
			_, err := tx.Exec(context.Background(), `INSERT INTO templates (account_id, meta_id, name, language, status, synced_at, updated_at)
				VALUES (?, 'tpl-a', 'promo', 'pt_BR', 'APPROVED', 0, 0)`, e.accounts[wabaA].ID)
			return err
		}))
		at := now.Add(time.Minute)
		cases := []struct {
			name string
			ev   whatsapp.Event
		}{
			{"message to A's number under A's WABA", inbound(wabaA, pnidA, "forged one", at)},
			{"message to A's number under B's own WABA", inbound(wabaB, pnidA, "forged two", at)},
			{"status of A's message reported for B's number", statusEvent(wabaB, pnidB, "wamid.A-SENT", "read", "", at)},
			{"status of A's message reported for A's number", statusEvent(wabaA, pnidA, "wamid.A-SENT", "delivered", "", at)},
			{"status linking A's in-doubt send by its opaque id", statusEvent(wabaB, pnidB, "wamid.FORGED",
				"delivered", "zf:"+strconv.FormatInt(inDoubt, 10), at)},
			{"template status of A's template", whatsapp.Event{Kind: whatsapp.EventTemplateStatus, WABAID: wabaA, EntryTime: at,
				TemplateStatus: &whatsapp.TemplateStatusUpdate{Event: "PAUSED", TemplateID: "tpl-a", Name: "promo", Language: "pt_BR"}}},
			{"quality update of A's number", whatsapp.Event{Kind: whatsapp.EventQualityUpdate, WABAID: wabaA, EntryTime: at,
				QualityUpdate: &whatsapp.QualityUpdate{DisplayPhoneNumber: e.senders[pnidA].DisplayPhoneNumber, Event: "FLAGGED"}}},
			{"account update of A", whatsapp.Event{Kind: whatsapp.EventAccountUpdate, WABAID: wabaA, EntryTime: at,
				AccountUpdate: &whatsapp.AccountUpdate{Event: "ACCOUNT_RESTRICTION", PhoneNumber: e.senders[pnidA].DisplayPhoneNumber}}},
		}
		for i, c := range cases {
			e.deliver(t, wabaB, c.ev)
			require.Equal(t, float64(i+1), e.dropped(), c.name)
		}
		require.Equal(t, 3, e.count(t, `SELECT COUNT(*) FROM messages`), "no forged message stored")
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM conversations`), "no conversation opened")
		require.Equal(t, "sent", e.str(t, `SELECT status FROM messages WHERE id = ?`, sent))
		require.Equal(t, "queued", e.str(t, `SELECT status FROM messages WHERE id = ?`, inDoubt))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM messages WHERE id = ? AND wamid IS NOT NULL`, inDoubt))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM pending_statuses WHERE wamid = 'wamid.A-SENT'`))
		require.Equal(t, "APPROVED", e.str(t, `SELECT status FROM templates WHERE meta_id = 'tpl-a'`))
		require.Equal(t, "GREEN", e.str(t, `SELECT quality_rating FROM senders WHERE id = ?`, e.senders[pnidA].ID))
		require.Equal(t, len(cases), e.count(t, `SELECT COUNT(*) FROM inbound_events WHERE account_id = ? AND last_error LIKE 'foreign_event: dropped: %'`,
			e.accounts[wabaB].ID), "each forged event keeps why it was dropped")

		// C shares A's app secret: Meta may deliver A's events to C's URL.
		e.deliver(t, wabaC, inbound(wabaA, pnidA, "via the app's other WABA", at), statusEvent(wabaA, pnidA, "wamid.A-SENT", "read", "", at))
		require.Equal(t, float64(len(cases)), e.dropped())
		require.Equal(t, 4, e.count(t, `SELECT COUNT(*) FROM messages`))
		require.Equal(t, "read", e.str(t, `SELECT status FROM messages WHERE id = ?`, sent))
	})
}

// TestForgedStatusCannotTakeTheRealOnesPlace shows a forged status parked
// for a wamid not recorded yet neither applies to the message that later
// gets that wamid nor keeps the real status out.
func TestForgedStatusCannotTakeTheRealOnesPlace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newForgeryEnv(t, db)
		now := e.clock.Now()
		e.deliver(t, wabaA, inbound(wabaA, pnidA, "oi", now.Add(-time.Hour)))
		at := now.Add(time.Minute)
		e.deliver(t, wabaB, statusEvent(wabaB, pnidB, "wamid.A-LATE", "read", "", at))
		e.deliver(t, wabaA, statusEvent(wabaA, pnidA, "wamid.A-LATE", "delivered", "", at))
		require.Equal(t, 2, e.count(t, `SELECT COUNT(*) FROM pending_statuses WHERE wamid = 'wamid.A-LATE'`))
		id := e.outbound(t, "wamid.A-LATE")
		require.Equal(t, "delivered", e.str(t, `SELECT status FROM messages WHERE id = ?`, id))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM messages WHERE id = ? AND read_at > 0`, id))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM pending_statuses`))
	})
}

// TestStatusAppliedAsItIsStored: a plain status of a stored message is
// applied by the commit that stores it, before any lane runs. One the
// batch cannot apply (a wamid not stored yet) waits for its lane on
// PostgreSQL, which parks it; on SQLite, with nothing pending, the commit
// parks it itself.
func TestStatusAppliedAsItIsStored(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newForgeryEnv(t, db)
		ctx := context.Background()
		now := e.clock.Now()
		e.deliver(t, wabaA, inbound(wabaA, pnidA, "oi", now.Add(-time.Hour)))
		id := e.outbound(t, "wamid.A-OUT")
		signer := e.accounts[wabaA].ID
		submit := func(ev whatsapp.Event) {
			b, err := json.Marshal(ev)
			require.NoError(t, err)
			_, err = e.writer.Submit(ctx, []intake.Row{intake.NewRow(signer, ev, b, store.Millis(now))})
			require.NoError(t, err)
		}
		submit(statusEvent(wabaA, pnidA, "wamid.A-OUT", "delivered", "", now))
		pending, err := intake.Pending(ctx, db.Read())
		require.NoError(t, err)
		require.Zero(t, pending)
		require.Equal(t, "delivered", e.str(t, `SELECT status FROM messages WHERE id = ?`, id))

		submit(statusEvent(wabaA, pnidA, "wamid.A-UNKNOWN", "delivered", "", now))
		pending, err = intake.Pending(ctx, db.Read())
		require.NoError(t, err)
		if db.Dialect() == store.Postgres {
			require.Equal(t, 1, pending)
			require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM pending_statuses`))
			e.processAll(t)
		} else {
			require.Zero(t, pending)
		}
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM pending_statuses WHERE wamid = 'wamid.A-UNKNOWN'`))
	})
}
