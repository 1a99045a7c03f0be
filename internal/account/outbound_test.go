package account_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Moving an account's graph_url to another host without giving the
// access token again is refused, and nothing is written: the stored token
// is never sent to a host it was not entered for. With the token, the new
// host gets the new token only.
func TestGraphURLMoveNeedsTheTokenAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "4242")

		_, err := e.svc.UpdateAccount(ctx, a.ID, account.AccountInput{GraphURL: ptr("https://attacker.example")})
		ae := apperrtest.Require(t, err, apperr.KindInvalid, "secret_required", "access_token")
		require.Contains(t, ae.Message, "access_token again")
		got, err := e.svc.Account(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "https://graph.example", got.GraphURL)
		_, err = e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		for _, c := range e.graph.Calls() {
			require.Equal(t, "https://graph.example", c.GraphURL, "the old token went only to its own host")
		}

		// The same host on another path keeps the token.
		_, err = e.svc.UpdateAccount(ctx, a.ID, account.AccountInput{GraphURL: ptr("https://GRAPH.example:443/proxy")})
		require.NoError(t, err)

		// A new host with its token.
		_, err = e.svc.UpdateAccount(ctx, a.ID, account.AccountInput{GraphURL: ptr("https://other.example"), AccessToken: ptr("EAAG-other")})
		require.NoError(t, err)
		_, err = e.svc.SyncTemplates(ctx, a.ID)
		require.NoError(t, err)
		calls := e.graph.Calls()
		last := calls[len(calls)-1]
		require.Equal(t, "https://other.example", last.GraphURL)
		require.Equal(t, "EAAG-other", last.Token)
		for _, c := range calls {
			if c.GraphURL == "https://other.example" {
				require.NotEqual(t, "EAAG-token-4242", c.Token)
			}
		}
	})
}

// A graph_url that is a literal internal address is refused when saved,
// naming the field and how to allow it; an allowed one is accepted.
func TestGraphURLInternalAddressRefusedAtSave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		allow, err := netguard.ParseAllowlist("192.168.1.20")
		require.NoError(t, err)
		guard := netguard.New(netguard.Options{Allow: allow})
		e := newEnv(t, db)
		svc := account.New(account.Options{DB: db, Box: e.box, Queue: e.queue, GraphURL: "https://graph.example", GraphVersion: "v23.0",
			CheckURL: guard.CheckURL, Now: e.clock.Now})
		ctx := context.Background()
		in := accountInput("5151")
		in.GraphURL = ptr("http://169.254.169.254/latest")
		_, err = svc.CreateAccount(ctx, in)
		ae := apperrtest.Require(t, err, apperr.KindInvalid, netguard.Code, "graph_url")
		require.Contains(t, ae.Message, "ZAPFLOW_OUTBOUND_ALLOW")
		require.Zero(t, e.count(t, `SELECT COUNT(*) FROM accounts`))

		in.GraphURL = ptr("http://192.168.1.20:8080")
		a, err := svc.CreateAccount(ctx, in)
		require.NoError(t, err)
		_, err = svc.UpdateAccount(ctx, a.ID, account.AccountInput{GraphURL: ptr("http://[::1]:8080"), AccessToken: ptr("t")})
		apperrtest.Require(t, err, apperr.KindInvalid, netguard.Code, "graph_url")
	})
}

// With the default client, a Graph URL on loopback is refused when
// called: a named error, and the server (with the token) sees nothing.
func TestGraphCallToInternalAddressRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hits.Add(1)
			_, _ = w.Write([]byte(`{"data":[]}`))
		}))
		t.Cleanup(srv.Close)
		e := newEnv(t, db)
		svc := account.New(account.Options{DB: db, Box: e.box, Queue: e.queue, GraphURL: srv.URL, GraphVersion: "v23.0", Now: e.clock.Now})
		ctx := context.Background()
		a, err := svc.CreateAccount(ctx, accountInput("6161"))
		require.NoError(t, err)
		_, err = svc.SyncTemplates(ctx, a.ID)
		ae := apperrtest.Require(t, err, apperr.KindConflict, netguard.Code, "")
		require.Contains(t, ae.Message, "ZAPFLOW_OUTBOUND_ALLOW")
		require.Zero(t, hits.Load())
	})
}
