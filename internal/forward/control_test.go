package forward_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/forward"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func requireInvalid(t *testing.T, err error, code, field string) {
	t.Helper()
	ae, ok := apperr.As(err)
	require.True(t, ok, "want an apperr, got %v", err)
	require.Equal(t, apperr.KindInvalid, ae.Kind)
	require.Equal(t, code, ae.Code, ae.Message)
	require.Equal(t, field, ae.Field)
}

// TestSettingsValidation refuses a bad method, a URL that is not http(s),
// switching on without a URL, and (through the outbound guard) private
// and loopback addresses; a refused save changes nothing.
func TestSettingsValidation(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	e := newEnv(t, db, guarded(false))
	ctx := context.Background()

	_, err := e.fwd.Update(ctx, forward.Input{Method: ptr("PUT")})
	requireInvalid(t, err, "invalid_request", "method")
	_, err = e.fwd.Update(ctx, forward.Input{URL: ptr("ftp://crm.example.com/x")})
	requireInvalid(t, err, "invalid_url", "url")
	_, err = e.fwd.Update(ctx, forward.Input{URL: ptr("crm.example.com")})
	requireInvalid(t, err, "invalid_url", "url")
	_, err = e.fwd.Update(ctx, forward.Input{Enabled: ptr(true)})
	requireInvalid(t, err, "url_required", "url")
	for _, u := range []string{"http://127.0.0.1:8080/hook", "http://10.1.2.3/hook", "http://192.168.0.10/hook", "http://[::1]/hook", "http://169.254.169.254/latest"} {
		_, err = e.fwd.Update(ctx, forward.Input{Enabled: ptr(true), URL: ptr(u)})
		requireInvalid(t, err, netguard.Code, "url")
	}
	v, err := e.fwd.View(ctx)
	require.NoError(t, err)
	require.Equal(t, forward.View{Method: forward.MethodPOST}, v, "nothing was saved")

	v, err = e.fwd.Update(ctx, forward.Input{Enabled: ptr(true), Method: ptr("get"), URL: ptr(" https://crm.example.com/zapflow ")})
	require.NoError(t, err)
	require.Equal(t, "GET", v.Method)
	require.Equal(t, "https://crm.example.com/zapflow", v.URL)
	require.True(t, v.SecretSet)
	require.Regexp(t, `^zfwhsec_[A-Za-z0-9_-]{43}$`, v.NewSecret)
	require.Equal(t, "…"+v.NewSecret[len(v.NewSecret)-4:], v.SecretHint)

	again, err := e.fwd.View(ctx)
	require.NoError(t, err)
	require.Empty(t, again.NewSecret, "the secret is shown once")
	var raw string
	require.NoError(t, db.Read().QueryRow(ctx, `SELECT value FROM settings WHERE key = 'forwarding'`).Scan(&raw))
	require.NotContains(t, raw, v.NewSecret, "the secret is stored encrypted")

	rotated, err := e.fwd.RotateSecret(ctx)
	require.NoError(t, err)
	require.NotEqual(t, v.NewSecret, rotated.NewSecret)
	require.Regexp(t, `^zfwhsec_`, rotated.NewSecret)
}

// TestPrivateEndpointRefusedAtSend: a host name that resolves to a
// loopback address passes the save-time check, but the guard refuses
// the connection: nothing reaches the receiver, and the attempt says why.
func TestPrivateEndpointRefusedAtSend(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db, guarded(false))
		rc := newReceiver(t, always(http.StatusOK))
		port := rc.URL[strings.LastIndex(rc.URL, ":")+1:]
		e.enable(t, forward.MethodPOST, "http://localhost:"+port+"/hook")
		e.inbound(t, "wamid.1", "5511900000001", "Ana", "hello")
		eventually(t, waitLimit, func() bool { return e.count(t, `SELECT COUNT(*) FROM forward_attempts`) == 1 }, "an attempt")
		ds, err := e.fwd.Deliveries(context.Background(), forward.Filter{WithAttempts: true})
		require.NoError(t, err)
		require.Contains(t, ds[0].AttemptLog[0].Error, "not allowed")
		require.Empty(t, rc.requests(), "nothing reached the loopback receiver")
	})
}

// TestDisabledSendsNothing: while forwarding was never on, messages write
// no deliveries; once on, a delivery waiting to retry is held when it is
// switched off (nothing sent or retried), and goes out when it is switched
// on again.
func TestDisabledSendsNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, noBackoff)
		failing := true
		var mu = make(chan struct{}, 1)
		mu <- struct{}{}
		rc := newReceiver(t, func(r request, n int) (int, http.Header) {
			<-mu
			defer func() { mu <- struct{}{} }()
			if failing {
				return http.StatusServiceUnavailable, http.Header{"Retry-After": {"3600"}}
			}
			return http.StatusOK, nil
		})
		e.inbound(t, "wamid.0", "5511900000001", "Ana", "before")
		require.Zero(t, e.count(t, `SELECT COUNT(*) FROM forward_deliveries`), "off: no delivery is written")

		e.enable(t, forward.MethodPOST, rc.URL)
		e.inbound(t, "wamid.1", "5511900000001", "Ana", "during")
		eventually(t, waitLimit, func() bool { return len(rc.requests()) == 1 }, "first attempt")
		_, err := e.fwd.Update(ctx, forward.Input{Enabled: ptr(false)})
		require.NoError(t, err)
		e.inbound(t, "wamid.2", "5511900000001", "Ana", "after")
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM forward_deliveries`), "off again: no new delivery")

		e.clock.Add(2 * time.Hour) // the retry is due, but forwarding is off
		e.fwd.Wake()
		ds, err := e.fwd.Deliveries(ctx, forward.Filter{})
		require.NoError(t, err)
		require.Equal(t, forward.StatePending, ds[0].State)
		require.True(t, ds[0].Held)
		_, err = e.fwd.Resend(ctx, ds[0].ID)
		require.ErrorIs(t, err, forward.ErrDisabled)

		<-mu
		failing = false
		mu <- struct{}{}
		_, err = e.fwd.Update(ctx, forward.Input{Enabled: ptr(true)})
		require.NoError(t, err)
		e.waitStates(t, forward.StateDelivered)
		require.Len(t, rc.requests(), 2, "held while off: the only attempts are the one before and the one after")
	})
}

// TestResendSendsAgainWithTheSameID: a delivered delivery resent goes out
// again with the same delivery id and payload; an unknown id is not found.
func TestResendSendsAgainWithTheSameID(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		rc := newReceiver(t, always(http.StatusOK))
		e.enable(t, forward.MethodPOST, rc.URL)
		e.inbound(t, "wamid.1", "5511900000001", "Ana", "hello")
		e.waitStates(t, forward.StateDelivered)
		ds, err := e.fwd.Deliveries(ctx, forward.Filter{})
		require.NoError(t, err)

		d, err := e.fwd.Resend(ctx, ds[0].ID)
		require.NoError(t, err)
		require.Equal(t, ds[0].ID, d.ID)
		eventually(t, waitLimit, func() bool { return len(rc.requests()) == 2 }, "sent again")
		e.waitStates(t, forward.StateDelivered)
		reqs := rc.requests()
		require.Equal(t, reqs[0].Delivery, reqs[1].Delivery)
		require.Equal(t, reqs[0].Body, reqs[1].Body)
		got, err := e.fwd.Delivery(ctx, d.ID)
		require.NoError(t, err)
		require.Len(t, got.AttemptLog, 2)
		require.Equal(t, 2, got.AttemptLog[1].Attempt)

		_, err = e.fwd.Resend(ctx, "no-such-id")
		ae, ok := apperr.As(err)
		require.True(t, ok)
		require.Equal(t, apperr.KindNotFound, ae.Kind)
	})
}
