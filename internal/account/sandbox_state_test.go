package account_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// While the sandbox is off its account is not found for intake and
// sending, and its senders can be neither added, checked nor synced; a
// real account is unaffected.
func TestSandboxAccountRefusedWhileOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		sb, err := e.svc.EnsureSandbox(ctx, sandboxSpec("http://127.0.0.1:8080/graph"))
		require.NoError(t, err)
		real := e.createAccount(t, "7")
		_, err = e.svc.CachedAccount(ctx, sb.ID)
		require.NoError(t, err, "on: usable")

		e.svc.SetSandboxActive(false)
		_, err = e.svc.CachedAccount(ctx, sb.ID) // from the cache
		apperrtest.Require(t, err, apperr.KindNotFound, account.CodeSandboxOff, "sender")
		_, err = e.svc.CachedAccountIn(ctx, db.Read(), sb.ID+100)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
		_, err = e.svc.SyncTemplates(ctx, sb.ID)
		require.True(t, account.IsSandboxOff(err), err)
		senders, err := e.svc.Senders(ctx, sb.ID)
		require.NoError(t, err)
		_, err = e.svc.CheckSender(ctx, senders[0].ID)
		require.True(t, account.IsSandboxOff(err), err)
		_, err = e.svc.CreateSender(ctx, sb.ID, account.SenderInput{PhoneNumberID: ptr("100000000000019")})
		require.True(t, account.IsSandboxOff(err), err)

		got, err := e.svc.CachedAccount(ctx, real.ID)
		require.NoError(t, err)
		require.Equal(t, real.ID, got.ID)

		e.svc.SetSandboxActive(true)
		_, err = e.svc.CachedAccount(ctx, sb.ID)
		require.NoError(t, err)
	})
}

// A sandbox number and a real one can never be the same sender, whichever
// comes second, and the sandbox never takes over a real account's WABA id.
func TestSandboxAndRealSenderIDsNeverCollide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		_, err := e.svc.EnsureSandbox(ctx, sandboxSpec("http://127.0.0.1:8080/graph"))
		require.NoError(t, err)
		real := e.createAccount(t, "7")

		// A real account may not add a sandbox number (checked before Meta is asked).
		e.graph.setNumber(whatsapp.PhoneNumber{DisplayPhoneNumber: "+55 11 4000-0001", Status: "CONNECTED"}, "100000000000011")
		_, err = e.svc.CreateSender(ctx, real.ID, account.SenderInput{PhoneNumberID: ptr("100000000000011")})
		apperrtest.Require(t, err, apperr.KindConflict, "sandbox_sender_id", "phone_number_id")

		// The sandbox may not simulate a real account's number.
		e.graph.setNumber(whatsapp.PhoneNumber{DisplayPhoneNumber: "+55 11 5000-0001", Status: "CONNECTED"}, "200000000000001")
		_, err = e.svc.CreateSender(ctx, real.ID, account.SenderInput{PhoneNumberID: ptr("200000000000001")})
		require.NoError(t, err)
		taken, err := e.svc.RealSenderExists(ctx, "200000000000001")
		require.NoError(t, err)
		require.True(t, taken)
		taken, err = e.svc.RealSenderExists(ctx, "100000000000011")
		require.NoError(t, err)
		require.False(t, taken, "a sandbox number is not a real one")

		_, err = e.svc.CreateSender(ctx, 1, account.SenderInput{PhoneNumberID: ptr("200000000000001")})
		apperrtest.Require(t, err, apperr.KindConflict, "real_sender_id", "phone_number_id")
		spec := sandboxSpec("http://127.0.0.1:8080/graph")
		spec.Senders = append(spec.Senders, whatsapp.PhoneNumber{ID: "200000000000001", DisplayPhoneNumber: "+55 11 5000-0001"})
		_, err = e.svc.EnsureSandbox(ctx, spec)
		apperrtest.Require(t, err, apperr.KindConflict, "real_sender_id", "phone_number_id")

		spec = sandboxSpec("http://127.0.0.1:8080/graph")
		spec.WABAID = "7"
		_, err = e.svc.EnsureSandbox(ctx, spec)
		apperrtest.Require(t, err, apperr.KindConflict, "real_account_waba_id", "")
		got, err := e.svc.Account(ctx, real.ID)
		require.NoError(t, err)
		require.False(t, got.Sandbox)
	})
}

// An installation upgraded from a version with constant sandbox secrets
// gets random ones; the hook for a real account runs once it is created.
func TestEnsureSandboxReplacesLegacySecrets(t *testing.T) {
	e := newEnv(t, storetest.New(t, store.SQLite))
	ctx := context.Background()
	old := sandboxSpec("http://127.0.0.1:8080/graph")
	old.AccessToken, old.AppSecret, old.VerifyToken = "sandbox-access-token", "sandbox-app-secret", "sandbox-verify-token"
	_, err := e.svc.EnsureSandbox(ctx, old)
	require.NoError(t, err)

	spec := sandboxSpec("http://127.0.0.1:8080/graph")
	spec.LegacySecrets = []string{"sandbox-app-secret", "sandbox-access-token", "sandbox-verify-token"}
	acc, err := e.svc.EnsureSandbox(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, []string{"sandbox-token", "sandbox-secret", "sandbox-verify"}, []string{acc.AccessToken, acc.AppSecret, acc.VerifyToken})

	var created []string
	e.svc.OnRealAccountCreated(func(_ context.Context, a account.Account) { created = append(created, a.WABAID) })
	e.createAccount(t, "7")
	require.Equal(t, []string{"7"}, created)
}
