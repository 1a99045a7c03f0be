package account_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func TestCreateAccountValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		cases := []struct {
			name  string
			edit  func(in *account.AccountInput)
			field string
		}{
			{"missing name", func(in *account.AccountInput) { in.Name = nil }, "name"},
			{"blank name", func(in *account.AccountInput) { in.Name = ptr("   ") }, "name"},
			{"missing waba_id", func(in *account.AccountInput) { in.WABAID = nil }, "waba_id"},
			{"non-digit waba_id", func(in *account.AccountInput) { in.WABAID = ptr("waba-123") }, "waba_id"},
			{"missing access_token", func(in *account.AccountInput) { in.AccessToken = nil }, "access_token"},
			{"blank access_token", func(in *account.AccountInput) { in.AccessToken = ptr(" ") }, "access_token"},
			{"missing app_secret", func(in *account.AccountInput) { in.AppSecret = nil }, "app_secret"},
			{"missing verify_token", func(in *account.AccountInput) { in.VerifyToken = nil }, "verify_token"},
			{"bad default_region", func(in *account.AccountInput) { in.DefaultRegion = ptr("BRA") }, "default_region"},
			{"unknown default_region", func(in *account.AccountInput) { in.DefaultRegion = ptr("QQ") }, "default_region"},
			{"bad graph_url", func(in *account.AccountInput) { in.GraphURL = ptr("ftp://graph.example") }, "graph_url"},
		}
		for _, c := range cases {
			in := accountInput("1001")
			c.edit(&in)
			_, err := e.svc.CreateAccount(ctx, in)
			ae := apperrtest.Require(t, err, apperr.KindInvalid, "invalid_account", c.field)
			require.NotEmpty(t, ae.Message, c.name)
		}
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM accounts`))
	})
}

func TestCreateAccountStoresDefaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		in := accountInput("102030405060")
		in.Name = ptr("  Acme Clínica  ")
		a, err := e.svc.CreateAccount(ctx, in)
		require.NoError(t, err)
		require.Positive(t, a.ID)

		got, err := e.svc.Account(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "Acme Clínica", got.Name)
		require.Equal(t, "102030405060", got.WABAID)
		require.Equal(t, "https://graph.example", got.GraphURL)
		require.Equal(t, "v23.0", got.GraphVersion)
		require.Equal(t, "BR", got.DefaultRegion)
		require.False(t, got.Sandbox)
		require.Equal(t, t0, got.CreatedAt)
		require.Equal(t, t0, got.UpdatedAt)

		// No region at all is fine; an explicit graph URL wins over the default.
		in = accountInput("2002")
		in.DefaultRegion = nil
		in.GraphURL = ptr("http://127.0.0.1:9999/graph")
		b, err := e.svc.CreateAccount(ctx, in)
		require.NoError(t, err)
		require.Equal(t, "", b.DefaultRegion)
		require.Equal(t, "http://127.0.0.1:9999/graph", b.GraphURL)

		all, err := e.svc.Accounts(ctx)
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.Equal(t, []int64{a.ID, b.ID}, []int64{all[0].ID, all[1].ID})
		require.Equal(t, "EAAG-token-2002", all[1].AccessToken)
	})
}

func TestCreateAccountDuplicateWABA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.createAccount(t, "555")
		in := accountInput("555")
		in.Name = ptr("Other")
		_, err := e.svc.CreateAccount(ctx, in)
		apperrtest.Require(t, err, apperr.KindConflict, "account_exists", "waba_id")
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM accounts`))
	})
}

func TestAccountSecretsEncryptedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "777")

		var tok, sec, ver string
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT access_token, app_secret, verify_token FROM accounts WHERE id = ?`, a.ID).
			Scan(&tok, &sec, &ver))
		for raw, plain := range map[string]string{tok: "EAAG-token-777", sec: "app-secret-777", ver: "verify-777"} {
			require.NotEmpty(t, raw)
			require.NotContains(t, raw, plain)
			dec, err := e.box.Decrypt(raw)
			require.NoError(t, err)
			require.Equal(t, plain, dec)
		}

		got, err := e.svc.Account(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "EAAG-token-777", got.AccessToken)
		require.Equal(t, "app-secret-777", got.AppSecret)
		require.Equal(t, "verify-777", got.VerifyToken)

		// Secrets never reach JSON.
		b, err := json.Marshal(got)
		require.NoError(t, err)
		for _, s := range []string{"EAAG-token-777", "app-secret-777", "verify-777"} {
			require.NotContains(t, string(b), s)
		}
	})
}

func TestUpdateAccountChangesOnlyGivenFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "888")
		e.clock.Add(time.Hour)

		up, err := e.svc.UpdateAccount(ctx, a.ID, account.AccountInput{AccessToken: ptr("EAAG-rotated"), DefaultRegion: ptr("gb")})
		require.NoError(t, err)
		require.Equal(t, "EAAG-rotated", up.AccessToken)

		got, err := e.svc.Account(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "EAAG-rotated", got.AccessToken)
		require.Equal(t, "GB", got.DefaultRegion)
		require.Equal(t, "Acme Clínica", got.Name)
		require.Equal(t, "888", got.WABAID)
		require.Equal(t, "app-secret-888", got.AppSecret)
		require.Equal(t, "verify-888", got.VerifyToken)
		require.Equal(t, "https://graph.example", got.GraphURL)
		require.Equal(t, "v23.0", got.GraphVersion)
		require.Equal(t, t0, got.CreatedAt)
		require.Equal(t, t0.Add(time.Hour), got.UpdatedAt)

		// An invalid change is rejected and nothing is written.
		_, err = e.svc.UpdateAccount(ctx, a.ID, account.AccountInput{Name: ptr(""), AccessToken: ptr("EAAG-lost")})
		apperrtest.Require(t, err, apperr.KindInvalid, "invalid_account", "name")
		got, err = e.svc.Account(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "EAAG-rotated", got.AccessToken)
		require.Equal(t, "Acme Clínica", got.Name)

		// Moving onto another account's waba_id conflicts.
		e.createAccount(t, "999")
		_, err = e.svc.UpdateAccount(ctx, a.ID, account.AccountInput{WABAID: ptr("999")})
		apperrtest.Require(t, err, apperr.KindConflict, "account_exists", "waba_id")

		_, err = e.svc.UpdateAccount(ctx, 424242, account.AccountInput{Name: ptr("x")})
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}

func TestCachedAccountInvalidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "4321")

		c, err := e.svc.CachedAccount(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "app-secret-4321", c.AppSecret)

		// A change made behind the service's back (another instance) is
		// served from the cache until the TTL runs out.
		enc, err := e.box.Encrypt("app-secret-elsewhere")
		require.NoError(t, err)
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE accounts SET app_secret = ? WHERE id = ?`, enc, a.ID)
			return err
		}))
		c, err = e.svc.CachedAccount(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "app-secret-4321", c.AppSecret, "served from the cache")
		e.clock.Add(31 * time.Second)
		c, err = e.svc.CachedAccount(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "app-secret-elsewhere", c.AppSecret, "re-read after the TTL")

		// A change through this service applies at once.
		_, err = e.svc.UpdateAccount(ctx, a.ID, account.AccountInput{AppSecret: ptr("app-secret-new")})
		require.NoError(t, err)
		c, err = e.svc.CachedAccount(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "app-secret-new", c.AppSecret)

		// And a deletion too.
		require.NoError(t, e.svc.DeleteAccount(ctx, a.ID))
		_, err = e.svc.CachedAccount(ctx, a.ID)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}

func TestDeleteAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		err := e.svc.DeleteAccount(ctx, 12345)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")

		a := e.createAccount(t, "31337")
		keep := e.createAccount(t, "31338")
		e.createSender(t, a.ID, "111000111", "+55 11 4000-0001")
		e.createSender(t, keep.ID, "111000222", "+55 11 4000-0002")
		require.NoError(t, e.svc.DeleteAccount(ctx, a.ID))

		_, err = e.svc.Account(ctx, a.ID)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM senders WHERE account_id = ?`, a.ID), "senders cascade")
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM senders`))
		err = e.svc.DeleteAccount(ctx, a.ID)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}

func TestHasRealAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		ok, err := e.svc.HasRealAccount(ctx)
		require.NoError(t, err)
		require.False(t, ok)

		_, err = e.svc.EnsureSandbox(ctx, sandboxSpec("http://127.0.0.1:8080/graph"))
		require.NoError(t, err)
		ok, err = e.svc.HasRealAccount(ctx)
		require.NoError(t, err)
		require.False(t, ok, "the sandbox is not a real account")

		e.createAccount(t, "1")
		ok, err = e.svc.HasRealAccount(ctx)
		require.NoError(t, err)
		require.True(t, ok)
	})
}

func TestAccountErrorMessagesNameTheField(t *testing.T) {
	// The messages are what a user reads: they must say what to fix.
	e := newEnv(t, storetest.New(t, store.SQLite))
	_, err := e.svc.CreateAccount(context.Background(), account.AccountInput{Name: ptr("x"), WABAID: ptr("1")})
	require.Error(t, err)
	require.True(t, strings.Contains(err.Error(), "access_token"), err.Error())
}
