package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

var errRollback = errors.New("roll back")

func TestApplyQualityUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1500")
		flagged := e.createSender(t, a.ID, "15001", "+55 11 4000-0001")
		other := e.createSender(t, a.ID, "15002", "+55 11 4000-0002")
		require.Equal(t, 0, e.jobCount(t, "sender.check"))

		// Meta sends the display number without formatting.
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			return e.svc.ApplyQualityUpdate(ctx, tx, "1500", whatsapp.QualityUpdate{
				DisplayPhoneNumber: "551140000001", Event: "FLAGGED", CurrentLimit: "TIER_250", OldLimit: "TIER_1K"})
		}))
		got, err := e.svc.Sender(ctx, flagged.ID)
		require.NoError(t, err)
		require.Equal(t, "RED", got.QualityRating)
		require.Equal(t, "TIER_250", got.MessagingLimit)
		untouched, err := e.svc.Sender(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, "GREEN", untouched.QualityRating)
		require.Equal(t, "TIER_1K", untouched.MessagingLimit)
		require.Equal(t, 1, e.jobCount(t, "sender.check"))
		require.Equal(t, []int64{flagged.ID}, e.senderCheckJobs(t))
	})
}

func TestApplyQualityUpdateRollbackLeavesNoJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1600")
		sn := e.createSender(t, a.ID, "16001", "+55 11 4000-0001")

		err := db.InTx(ctx, func(tx store.Tx) error {
			if err := e.svc.ApplyQualityUpdate(ctx, tx, "1600", whatsapp.QualityUpdate{DisplayPhoneNumber: "551140000001", Event: "FLAGGED"}); err != nil {
				return err
			}
			return errRollback
		})
		require.ErrorIs(t, err, errRollback)
		require.Equal(t, 0, e.jobCount(t, "sender.check"))
		got, err := e.svc.Sender(ctx, sn.ID)
		require.NoError(t, err)
		require.Equal(t, "GREEN", got.QualityRating)
	})
}

func TestApplyQualityUpdateRatings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1700")
		sn := e.createSender(t, a.ID, "17001", "+1 555-0170")
		apply := func(wabaID string, u whatsapp.QualityUpdate) account.Sender {
			t.Helper()
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error { return e.svc.ApplyQualityUpdate(ctx, tx, wabaID, u) }))
			got, err := e.svc.Sender(ctx, sn.ID)
			require.NoError(t, err)
			return got
		}
		require.Equal(t, "RED", apply("1700", whatsapp.QualityUpdate{DisplayPhoneNumber: "15550170", Event: "DOWNGRADE"}).QualityRating)
		require.Equal(t, "GREEN", apply("1700", whatsapp.QualityUpdate{DisplayPhoneNumber: "15550170", Event: "unflagged"}).QualityRating)
		require.Equal(t, "YELLOW", apply("1700", whatsapp.QualityUpdate{DisplayPhoneNumber: "15550170", Event: "FLAGGED", QualityRating: "yellow"}).QualityRating,
			"an explicit rating wins over the event")
		got := apply("1700", whatsapp.QualityUpdate{DisplayPhoneNumber: "15550170", Event: "THROUGHPUT_UPGRADE"})
		require.Equal(t, "YELLOW", got.QualityRating, "no rating change")
		// Another WABA's event does not touch this sender.
		require.Equal(t, "YELLOW", apply("1799", whatsapp.QualityUpdate{DisplayPhoneNumber: "15550170", Event: "FLAGGED"}).QualityRating)
		require.Equal(t, "YELLOW", apply("1700", whatsapp.QualityUpdate{DisplayPhoneNumber: "15550999", Event: "FLAGGED"}).QualityRating)
		// Every matching event asks for a check of this sender (River keeps
		// one pending per sender and minute), and the others none.
		ids := e.senderCheckJobs(t)
		require.NotEmpty(t, ids)
		for _, id := range ids {
			require.Equal(t, sn.ID, id)
		}
	})
}

func TestApplyAccountUpdateChecksSenders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "1800")
		b := e.createAccount(t, "1801")
		s1 := e.createSender(t, a.ID, "18001", "+55 11 4000-0001")
		s2 := e.createSender(t, a.ID, "18002", "+55 11 4000-0002")
		e.createSender(t, b.ID, "18003", "+55 11 4000-0003")

		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			return e.svc.ApplyAccountUpdate(ctx, tx, "1800", whatsapp.AccountUpdate{Event: "ACCOUNT_VIOLATION"})
		}))
		require.Equal(t, []int64{s1.ID, s2.ID}, e.senderCheckJobs(t), "all of the account's senders, no other")
	})
}

func sandboxSpec(graphURL string) account.SandboxSpec {
	return account.SandboxSpec{
		Name: "Sandbox", WABAID: "100000000000001", AccessToken: "sandbox-token", AppSecret: "sandbox-secret",
		VerifyToken: "sandbox-verify", GraphURL: graphURL, GraphVersion: "v23.0",
		Senders: []whatsapp.PhoneNumber{
			{ID: "100000000000011", DisplayPhoneNumber: "+55 11 4000-0001", VerifiedName: "Zapflow Sandbox", Status: "CONNECTED", QualityRating: "GREEN"},
			{ID: "100000000000012", DisplayPhoneNumber: "+55 11 4000-0002", VerifiedName: "Zapflow Sandbox Suporte", Status: "CONNECTED", QualityRating: "na"},
		},
	}
}

func TestEnsureSandboxIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		acc, err := e.svc.EnsureSandbox(ctx, sandboxSpec("http://127.0.0.1:8080/graph"))
		require.NoError(t, err)
		require.True(t, acc.Sandbox)
		require.Equal(t, "Sandbox", acc.Name)
		require.Equal(t, "100000000000001", acc.WABAID)
		require.Equal(t, "http://127.0.0.1:8080/graph", acc.GraphURL)
		require.Equal(t, "sandbox-token", acc.AccessToken)
		require.Equal(t, "sandbox-secret", acc.AppSecret)
		require.Equal(t, "sandbox-verify", acc.VerifyToken)

		senders, err := e.svc.Senders(ctx, acc.ID)
		require.NoError(t, err)
		require.Len(t, senders, 2)
		require.Equal(t, "100000000000011", senders[0].PhoneNumberID)
		require.Equal(t, "CONNECTED", senders[0].Status)
		require.Equal(t, "GREEN", senders[0].QualityRating)
		require.Equal(t, "UNKNOWN", senders[1].QualityRating)
		require.Equal(t, account.DefaultRateLimit, senders[1].RateLimit)
		require.Equal(t, 1, e.jobCount(t, "template.sync"))
		require.Equal(t, []int64{senders[0].ID, senders[1].ID}, e.senderCheckJobs(t))

		cached, err := e.svc.CachedAccount(ctx, acc.ID)
		require.NoError(t, err)
		require.Equal(t, "http://127.0.0.1:8080/graph", cached.GraphURL)

		// The server restarts on another port, with new random secrets
		// offered: the installation keeps the ones it got first.
		e.clock.Add(time.Hour)
		spec := sandboxSpec("http://127.0.0.1:9090/graph")
		spec.AccessToken, spec.AppSecret, spec.VerifyToken = "sandbox-token-2", "sandbox-secret-2", "sandbox-verify-2"
		again, err := e.svc.EnsureSandbox(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, acc.ID, again.ID)
		require.Equal(t, "http://127.0.0.1:9090/graph", again.GraphURL)
		require.Equal(t, "sandbox-token", again.AccessToken)
		require.Equal(t, "sandbox-secret", again.AppSecret)
		require.Equal(t, "sandbox-verify", again.VerifyToken)
		require.Equal(t, t0, again.CreatedAt)
		require.Equal(t, t0.Add(time.Hour), again.UpdatedAt)
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM accounts`))
		require.Equal(t, 2, e.count(t, `SELECT COUNT(*) FROM senders`))
		require.Equal(t, []int64{senders[0].ID, senders[1].ID}, e.senderCheckJobs(t), "existing senders are not re-checked")

		cached, err = e.svc.CachedAccount(ctx, acc.ID)
		require.NoError(t, err)
		require.Equal(t, "http://127.0.0.1:9090/graph", cached.GraphURL, "the cache is refreshed")
		require.Equal(t, "sandbox-token", cached.AccessToken)

		// The graph client follows the new URL.
		_, err = e.svc.SyncTemplates(ctx, acc.ID)
		require.NoError(t, err)
		calls := e.graph.Calls()
		require.Equal(t, graphCall{Method: "ListTemplates", GraphURL: "http://127.0.0.1:9090/graph", Token: "sandbox-token", ID: "100000000000001"},
			calls[len(calls)-1])
	})
}

// A drop to RED tells the team once; a second FLAGGED for the same number
// does not repeat it, and a check that finds the sender DISCONNECTED does.
func TestSenderHealthNotifications(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "7100")
		sn := e.createSender(t, a.ID, "7101", "+55 11 4000-7101")
		count := func(kind string) int {
			var n int
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE kind = ?`, kind).Scan(&n))
			return n
		}
		for range 2 {
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
				return e.svc.ApplyQualityUpdate(ctx, tx, "7100", whatsapp.QualityUpdate{DisplayPhoneNumber: "551140007101", Event: "FLAGGED"})
			}))
		}
		require.Equal(t, 1, count(notify.KindSenderQuality))

		e.graph.setNumber(whatsapp.PhoneNumber{ID: "7101", DisplayPhoneNumber: "+55 11 4000-7101", Status: "DISCONNECTED", QualityRating: "RED"}, "7101")
		got, err := e.svc.CheckSender(ctx, sn.ID)
		require.NoError(t, err)
		require.False(t, got.Online)
		require.Equal(t, 1, count(notify.KindSenderOffline))
	})
}
