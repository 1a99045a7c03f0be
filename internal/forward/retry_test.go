package forward_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// states reads each delivery's state, oldest first.
func (e *env) states(t testing.TB) []string {
	t.Helper()
	ds, err := e.fwd.Deliveries(context.Background(), forward.Filter{})
	require.NoError(t, err)
	out := make([]string, len(ds))
	for i, d := range ds {
		out[len(ds)-1-i] = d.State
	}
	return out
}

func (e *env) waitStates(t testing.TB, want ...string) {
	t.Helper()
	var have []string
	eventually(t, waitLimit, func() bool { have = e.states(t); return equal(have, want) }, "states %v (have %v)", want, lazyString(func() string {
		return fmt.Sprint(have, " ", e.debugRows(t))
	}))
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestClientErrorsAreNotRetried: a 4xx other than 429 fails the delivery
// at its first attempt, and the conversation's next delivery goes on.
func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db, noBackoff)
		rc := newReceiver(t, func(r request, n int) (int, http.Header) {
			if bytes.Contains(r.Body, []byte(`"text":"bad"`)) {
				return http.StatusUnprocessableEntity, nil
			}
			return http.StatusOK, nil
		})
		e.enable(t, forward.MethodPOST, rc.URL)
		e.inbound(t, "wamid.1", "5511900000001", "Ana", "bad")
		e.inbound(t, "wamid.2", "5511900000001", "Ana", "good")
		e.waitStates(t, forward.StateFailed, forward.StateDelivered)
		require.Len(t, rc.requests(), 2, "the 422 was not retried")
		ds, err := e.fwd.Deliveries(context.Background(), forward.Filter{State: forward.StateFailed, WithAttempts: true})
		require.NoError(t, err)
		require.Len(t, ds, 1)
		require.Equal(t, 1, ds[0].Attempts)
		require.Equal(t, 422, ds[0].LastStatus)
		require.Contains(t, ds[0].LastError, "not retried")
		require.Equal(t, forward.OutcomeFailed, ds[0].AttemptLog[0].Outcome)
	})
}

// TestRetriesFollowBackoffAndRetryAfter: a 429 with Retry-After: 120 is
// retried 120 s later by the injected clock (not the 30 s backoff), a
// 503 after the doubled backoff, then the delivery succeeds; the
// conversation's later message waits for all of it.
func TestRetriesFollowBackoffAndRetryAfter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		var total atomic.Int32
		rc := newReceiver(t, func(r request, n int) (int, http.Header) {
			switch total.Add(1) {
			case 1:
				return http.StatusTooManyRequests, http.Header{"Retry-After": {"120"}}
			case 2:
				return http.StatusServiceUnavailable, nil
			}
			return http.StatusOK, nil
		})
		e.enable(t, forward.MethodPOST, rc.URL)
		e.inbound(t, "wamid.1", "5511900000001", "Ana", "first")
		e.inbound(t, "wamid.2", "5511900000001", "Ana", "second")
		next := func() time.Time {
			ds, err := e.fwd.Deliveries(context.Background(), forward.Filter{State: forward.StatePending})
			require.NoError(t, err)
			return ds[len(ds)-1].NextAttemptAt
		}
		attempts := func(n int) func() bool {
			return func() bool { return e.count(t, `SELECT COUNT(*) FROM forward_attempts`) == n }
		}
		eventually(t, waitLimit, attempts(1), "first attempt")
		require.Equal(t, t0.Add(120*time.Second), next(), "Retry-After 120 beats the 30 s backoff")

		e.clock.Add(120 * time.Second)
		e.fwd.Wake()
		eventually(t, waitLimit, attempts(2), "second attempt")
		require.Equal(t, t0.Add(120*time.Second+time.Minute), next(), "the second wait doubles the first backoff (30 s → 60 s)")

		e.clock.Add(time.Minute)
		e.fwd.Wake()
		e.waitStates(t, forward.StateDelivered, forward.StateDelivered)
		reqs := rc.requests()
		require.Len(t, reqs, 4)
		first := reqs[0].Delivery
		for _, r := range reqs[:3] {
			require.Equal(t, first, r.Delivery, "the second message waited for the first")
		}
		require.NotEqual(t, first, reqs[3].Delivery)
		require.Zero(t, e.count(t, `SELECT COUNT(*) FROM notifications`), "two failures in two minutes are no alarm")
	})
}

// TestTimeoutsAreRetried: an endpoint that does not answer in time is
// retried like a 5xx.
func TestTimeoutsAreRetried(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		short := func(o *forward.Options) {
			allow, _ := netguard.ParseAllowlist("127.0.0.1")
			g := netguard.New(netguard.Options{Allow: allow})
			o.HTTP, o.CheckURL = g.Client(200*time.Millisecond), g.CheckURL
		}
		e := newEnv(t, db, noBackoff, short)
		rc := newReceiver(t, func(r request, n int) (int, http.Header) {
			if n == 1 {
				<-r.Done // never answers in time: zapflow hangs up
			}
			return http.StatusOK, nil
		})
		e.enable(t, forward.MethodPOST, rc.URL)
		e.inbound(t, "wamid.1", "5511900000001", "Ana", "hello")
		e.waitStates(t, forward.StateDelivered)
		ds, err := e.fwd.Deliveries(context.Background(), forward.Filter{WithAttempts: true})
		require.NoError(t, err)
		log := ds[0].AttemptLog
		require.Len(t, log, 2)
		require.Equal(t, forward.OutcomeRetry, log[0].Outcome)
		require.Contains(t, log[0].Error, "timeout")
		require.Equal(t, forward.OutcomeDelivered, log[1].Outcome)
	})
}

// TestGivesUpAfter24HoursAndNotifiesOnce: an endpoint failing with 500 is
// retried until 24 hours after the first attempt, then the delivery
// fails; the team is notified once when the failures have lasted an hour.
func TestGivesUpAfter24HoursAndNotifiesOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		rc := newReceiver(t, always(http.StatusBadGateway))
		e.enable(t, forward.MethodPOST, rc.URL)
		e.inbound(t, "wamid.1", "5511900000001", "Ana", "hello")
		attempts := func() int { return e.count(t, `SELECT COUNT(*) FROM forward_attempts`) }
		eventually(t, waitLimit, func() bool { return attempts() == 1 }, "first attempt")

		for i := 2; i <= 4; i++ { // 30 s, 1 min, 2 min later: three more failures
			e.clock.Add(time.Duration(1<<(i-2)) * 30 * time.Second)
			e.fwd.Wake()
			eventually(t, waitLimit, func() bool { return attempts() == i }, "attempt %d", i)
		}
		require.Zero(t, e.count(t, `SELECT COUNT(*) FROM notifications`))

		e.clock.Set(t0.Add(2 * time.Hour)) // failing for over an hour
		e.fwd.Wake()
		eventually(t, waitLimit, func() bool { return attempts() == 5 }, "attempt 5")
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ?`, forward.KindFailing))

		e.clock.Set(t0.Add(24 * time.Hour))
		e.fwd.Wake()
		e.waitStates(t, forward.StateFailed)
		d, err := e.fwd.Deliveries(context.Background(), forward.Filter{})
		require.NoError(t, err)
		require.Equal(t, 6, d[0].Attempts)
		require.Contains(t, d[0].LastError, "24 hours")
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM notifications`), "notified once")
		ns, err := notify.List(context.Background(), db.Read(), 10)
		require.NoError(t, err)
		require.Contains(t, ns[0].Body, "502")
	})
}

// TestTenFailuresInARowNotify: ten failed attempts in a row notify the
// team once; a delivery that succeeds ends the streak, so the next
// streak notifies again.
func TestTenFailuresInARowNotify(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		rc := newReceiver(t, func(r request, n int) (int, http.Header) {
			if bytes.Contains(r.Body, []byte(`"text":"ok"`)) {
				return http.StatusOK, nil
			}
			return http.StatusBadRequest, nil
		})
		e.enable(t, forward.MethodPOST, rc.URL)
		send := func(from int, body string, n int) {
			for i := range n {
				e.inbound(t, "wamid."+body+itoa(int64(from+i)), "55119000"+pad(from+i), "Ana", body)
			}
		}
		notes := func() int {
			return e.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ?`, forward.KindFailing)
		}
		failed := func(n int) func() bool {
			return func() bool { return e.count(t, `SELECT COUNT(*) FROM forward_deliveries WHERE state = 'failed'`) == n }
		}
		send(0, "bad", 9)
		eventually(t, waitLimit, failed(9), "nine failures")
		require.Zero(t, notes())
		send(9, "bad", 3)
		eventually(t, waitLimit, failed(12), "twelve failures")
		require.Equal(t, 1, notes())
		send(12, "ok", 1)
		eventually(t, waitLimit, func() bool {
			return e.count(t, `SELECT COUNT(*) FROM forward_deliveries WHERE state = 'delivered'`) == 1
		}, "a success")
		send(13, "bad", 10)
		eventually(t, waitLimit, failed(22), "ten more failures")
		require.Equal(t, 2, notes())
	})
}

func pad(n int) string {
	s := itoa(int64(n))
	for len(s) < 5 {
		s = "0" + s
	}
	return s
}
