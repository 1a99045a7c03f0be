package messaging_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/ratelimit"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/testclock"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// scriptedCloud answers sends with the scripted errors in order, then
// accepts; it records when (by the test clock) each call came.
type scriptedCloud struct {
	mu    sync.Mutex
	clock *testclock.Clock
	errs  []error
	calls []time.Time
}

func (c *scriptedCloud) SendMessage(_ context.Context, _, _ string, _ any) (whatsapp.SendResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, c.clock.Now())
	if len(c.errs) > 0 {
		err := c.errs[0]
		c.errs = c.errs[1:]
		return whatsapp.SendResult{}, err
	}
	return whatsapp.SendResult{WAMID: "wamid.ok" + strconv.Itoa(len(c.calls))}, nil
}

func (c *scriptedCloud) callTimes() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.calls...)
}

func metaErr(code int) error {
	return &whatsapp.APIError{HTTPStatus: 400, Code: code, Title: "scripted", Message: "(#" + strconv.Itoa(code) + ") scripted"}
}

// newQueue builds an outbox on e's clock, with no jitter, and a customer
// whose 24-hour window is open.
func newQueue(t *testing.T, e *env, cloud *scriptedCloud, maxAttempts int) *messaging.Outbox {
	t.Helper()
	cloud.clock = e.clock
	e.mustProcess(t, text(e.sender, "wamid.in1", "5511988887777", "Ana", e.clock.Now(), "oi"))
	return messaging.NewOutbox(messaging.OutboxOptions{
		DB: e.db, Accounts: e.accounts,
		Limiter:  ratelimit.New(ratelimit.Options{Clock: e.clock, PairRate: ratelimit.NoPairLimit}),
		CloudFor: func(account.Account) messaging.CloudAPI { return cloud },
		Retry:    messaging.RetryPolicy{Wait: time.Minute, Backoff: 2, MaxWait: 30 * time.Minute, MaxAttempts: maxAttempts},
		Now:      e.clock.Now,
	})
}

func (e *env) queueText(t *testing.T, o *messaging.Outbox, body string) messaging.Message {
	t.Helper()
	m, err := o.Send(context.Background(), messaging.SendRequest{Type: "text", SenderID: e.sender.ID, To: "+5511988887777", Text: body})
	require.NoError(t, err)
	return m
}

func (e *env) message(t *testing.T, id int64) messaging.Message {
	t.Helper()
	m, err := e.svc.Message(context.Background(), id)
	require.NoError(t, err)
	return m
}

// F15: "wait 1 minute, retry", doubling, measured on an injected clock.
func TestSendRetriesFollowThePolicyInTime(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		cloud := &scriptedCloud{errs: []error{metaErr(131000), metaErr(131000)}}
		o := newQueue(t, e, cloud, 3)
		start := e.clock.Now()
		m := e.queueText(t, o, "olá")

		step := func(at time.Duration) int {
			e.clock.Set(start.Add(at))
			n, err := o.Step(ctx)
			require.NoError(t, err)
			return n
		}
		require.Equal(t, 1, step(0), "due at once")
		got := e.message(t, m.ID)
		require.Equal(t, messaging.StatusQueued, got.Status)
		require.Equal(t, "transient", got.ErrorCode)
		require.Contains(t, got.ErrorMessage, "attempt 1 of 3; retrying in 1m0s")

		require.Zero(t, step(59*time.Second), "not before the policy's minute")
		require.Equal(t, 1, step(time.Minute), "retried after 1 minute")
		require.Contains(t, e.message(t, m.ID).ErrorMessage, "attempt 2 of 3; retrying in 2m0s")
		require.Zero(t, step(time.Minute+119*time.Second), "the second wait doubles")
		require.Equal(t, 1, step(3*time.Minute), "the third attempt")

		got = e.message(t, m.ID)
		require.Equal(t, messaging.StatusSent, got.Status)
		require.Equal(t, "wamid.ok3", got.WAMID)
		require.Empty(t, got.ErrorCode, "a successful retry clears the error")
		require.Equal(t, []time.Time{start, start.Add(time.Minute), start.Add(3 * time.Minute)}, cloud.callTimes())
		require.Zero(t, step(time.Hour), "nothing more to send")
	})
}

// After the last attempt the message fails with the named error, says it
// gave up, and the team is told; a permanent error fails at once.
func TestSendGivesUpAfterLastAttempt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		cloud := &scriptedCloud{errs: []error{metaErr(131000), metaErr(131000), metaErr(131026)}}
		o := newQueue(t, e, cloud, 2)
		start := e.clock.Now()
		retried := e.queueText(t, o, "um")

		for _, at := range []time.Duration{0, time.Minute} {
			e.clock.Set(start.Add(at))
			n, err := o.Step(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n)
		}
		got := e.message(t, retried.ID)
		require.Equal(t, messaging.StatusFailed, got.Status)
		require.Equal(t, "transient", got.ErrorCode)
		require.Contains(t, got.ErrorMessage, "gave up after 2 attempts")
		require.NotContains(t, got.ErrorMessage, "retries", "a failed message does not promise a retry")
		ns, err := notify.List(ctx, db.Read(), 10)
		require.NoError(t, err)
		require.Len(t, ns, 1)
		require.Equal(t, notify.KindSendFailed, ns[0].Kind)
		require.Equal(t, "message:"+strconv.FormatInt(retried.ID, 10), ns[0].Ref)

		permanent := e.queueText(t, o, "dois")
		n, err := o.Step(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		got = e.message(t, permanent.ID)
		require.Equal(t, messaging.StatusFailed, got.Status, "131026 is permanent: no retry")
		require.Equal(t, "invalid_phone", got.ErrorCode)
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM contacts WHERE not_on_whatsapp = ?`, true), "the contact is marked")
		ns, err = notify.List(ctx, db.Read(), 10)
		require.NoError(t, err)
		require.Len(t, ns, 1, "a permanent error is the caller's to see, not a team notification")
	})
}

// A throttle backs the whole sender off for Meta's hint (a minute for
// 80007, the account's limit): the message that was throttled and the next
// one both wait for it.
func TestSendThrottleBacksOffTheSender(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		cloud := &scriptedCloud{errs: []error{metaErr(80007)}}
		o := newQueue(t, e, cloud, 3)
		start := e.clock.Now()
		first := e.queueText(t, o, "um")
		n, err := o.Step(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		second := e.queueText(t, o, "dois")
		n, err = o.Step(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "the sender is backing off: nothing is claimed")

		var outcomes []messaging.SendOutcome
		o.OnOutcome(func(_ context.Context, _ store.Tx, out messaging.SendOutcome) error {
			outcomes = append(outcomes, out)
			return nil
		})
		e.clock.Set(start.Add(58 * time.Second))
		n, err = o.Step(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "still backing off (slots are claimed at most a second before they come)")
		e.clock.Set(start.Add(time.Minute))
		for range 3 {
			_, err := o.Step(ctx)
			require.NoError(t, err)
		}
		require.Equal(t, messaging.StatusSent, e.message(t, first.ID).Status)
		require.Equal(t, messaging.StatusSent, e.message(t, second.ID).Status)
		calls := cloud.callTimes()
		require.Len(t, calls, 3)
		require.Equal(t, start, calls[0])
		require.Equal(t, start.Add(time.Minute), calls[1], "no send before the backoff ends")
		require.Len(t, outcomes, 2, "each sent message reports its outcome once")
	})
}

// A failing outcome hook (a flow that cannot move on) must not leave a
// message Meta accepted unrecorded: it would be sent again after its lease.
func TestSendOutcomeHookErrorStillRecordsTheSend(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		cloud := &scriptedCloud{}
		o := newQueue(t, e, cloud, 3)
		calls := 0
		o.OnOutcome(func(context.Context, store.Tx, messaging.SendOutcome) error {
			calls++
			return errors.New("the hook is broken")
		})
		m := e.queueText(t, o, "olá")
		n, err := o.Step(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		got := e.message(t, m.ID)
		require.Equal(t, messaging.StatusSent, got.Status)
		require.Equal(t, "wamid.ok1", got.WAMID)
		require.Equal(t, 2, calls, "tried in the batch, then alone; then recorded without hooks")

		e.clock.Set(e.clock.Now().Add(messaging.DefaultLease + time.Minute))
		n, err = o.Step(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "nothing to send again")
		require.Len(t, cloud.callTimes(), 1)
	})
}

// linkingCloud is Meta answering a send whose "sent" status webhook, which
// echoes biz_opaque_callback_data, is processed before zapflow records the
// answer: a race the sandbox wins often.
type linkingCloud struct {
	e *env
	t *testing.T
}

func (c linkingCloud) SendMessage(_ context.Context, _, _ string, payload any) (whatsapp.SendResult, error) {
	opaque, _ := payload.(map[string]any)["biz_opaque_callback_data"].(string)
	ev := status("wamid.RACE", "sent", c.e.clock.Now())
	ev.Status.BizOpaqueCallbackData = opaque
	require.NoError(c.t, c.e.process(ev))
	return whatsapp.SendResult{WAMID: "wamid.RACE"}, nil
}

// The outcome is reported once, whichever records the send first.
func TestSendOutcomeReportedOnceWhenTheWebhookWins(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		o := newQueue(t, e, &scriptedCloud{}, 3)
		o.CloudFor = func(account.Account) messaging.CloudAPI { return linkingCloud{e, t} }
		o.Attach(e.svc)
		var outcomes []messaging.SendOutcome
		o.OnOutcome(func(_ context.Context, _ store.Tx, out messaging.SendOutcome) error {
			outcomes = append(outcomes, out)
			return nil
		})
		m := e.queueText(t, o, "olá")
		n, err := o.Step(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Len(t, outcomes, 1)
		require.Equal(t, messaging.SendOutcome{MessageID: m.ID, ConversationID: m.ConversationID, Status: messaging.StatusSent, WAMID: "wamid.RACE"}, outcomes[0])
		got := e.message(t, m.ID)
		require.Equal(t, messaging.StatusSent, got.Status)
		require.Equal(t, "wamid.RACE", got.WAMID)
	})
}

// A status that beat its send's record waits in pending_statuses and is
// applied when the outbox records the send; a send in the same batch with
// no waiting status is recorded as sent (the batch looks them up in one
// query).
func TestSendRecordAppliesAStatusThatCameFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		o := newQueue(t, e, &scriptedCloud{}, 3)
		delivered := e.clock.Now().Add(2 * time.Second)
		e.mustProcess(t, status("wamid.ok1", "delivered", delivered)) // the first call's wamid, reported early
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM pending_statuses WHERE wamid = 'wamid.ok1'`))
		a, b := e.queueText(t, o, "um"), e.queueText(t, o, "dois")
		n, err := o.Step(ctx)
		require.NoError(t, err)
		require.Equal(t, 2, n)

		byWAMID := map[string]messaging.Message{}
		for _, id := range []int64{a.ID, b.ID} {
			m := e.message(t, id)
			byWAMID[m.WAMID] = m
		}
		require.Equal(t, messaging.StatusDelivered, byWAMID["wamid.ok1"].Status)
		require.Equal(t, delivered, byWAMID["wamid.ok1"].DeliveredAt)
		require.Equal(t, messaging.StatusSent, byWAMID["wamid.ok2"].Status)
		require.True(t, byWAMID["wamid.ok2"].DeliveredAt.IsZero())
		require.Zero(t, e.count(t, `SELECT COUNT(*) FROM pending_statuses`), "applied and gone")
	})
}
