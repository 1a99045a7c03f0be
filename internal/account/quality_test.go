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
		require.Equal(t, "GREEN", got.QualityRating, "the event alone does not say what the rating is")
		require.Equal(t, "FLAGGED", got.QualityEvent, "it is kept as pending")
		require.Equal(t, t0, got.QualityEventAt)
		require.Equal(t, "TIER_250", got.MessagingLimit, "the limit it carries applies at once")
		untouched, err := e.svc.Sender(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, "GREEN", untouched.QualityRating)
		require.Empty(t, untouched.QualityEvent)
		require.Equal(t, "TIER_1K", untouched.MessagingLimit)
		require.Equal(t, 1, e.jobCount(t, "sender.check"))
		require.Equal(t, []int64{flagged.ID}, e.senderCheckJobs(t))

		// The read confirms the rating and clears the pending event.
		e.graph.setNumber(whatsapp.PhoneNumber{DisplayPhoneNumber: "+55 11 4000-0001", Status: "CONNECTED", QualityRating: "RED", MessagingLimitTier: "TIER_250"}, "15001")
		require.NoError(t, e.svc.WorkCheck(ctx, flagged.ID))
		got, err = e.svc.Sender(ctx, flagged.ID)
		require.NoError(t, err)
		require.Equal(t, "RED", got.QualityRating)
		require.Empty(t, got.QualityEvent)
		require.True(t, got.QualityEventAt.IsZero())
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

// The sandbox reports YELLOW with a FLAGGED event: the sender shows what a
// read of the number says (YELLOW), never a rating guessed from the event.
func TestQualityEventsWaitForARead(t *testing.T) {
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
		got := apply("1700", whatsapp.QualityUpdate{DisplayPhoneNumber: "15550170", Event: "FLAGGED"})
		require.Equal(t, "GREEN", got.QualityRating)
		require.Equal(t, "FLAGGED", got.QualityEvent)
		got = apply("1700", whatsapp.QualityUpdate{DisplayPhoneNumber: "15550170", Event: "downgrade", QualityRating: "RED"})
		require.Equal(t, "GREEN", got.QualityRating, "not even a rating in the payload changes it before a read")
		require.Equal(t, "DOWNGRADE", got.QualityEvent, "the latest event")
		// Another WABA's or another number's event does not touch this sender.
		require.Equal(t, "DOWNGRADE", apply("1799", whatsapp.QualityUpdate{DisplayPhoneNumber: "15550170", Event: "UNFLAGGED"}).QualityEvent)
		require.Equal(t, "DOWNGRADE", apply("1700", whatsapp.QualityUpdate{DisplayPhoneNumber: "15550999", Event: "UNFLAGGED"}).QualityEvent)
		require.Equal(t, []int64{sn.ID}, e.senderCheckJobs(t), "the matching events coalesce into one queued check")

		e.graph.setNumber(whatsapp.PhoneNumber{DisplayPhoneNumber: "+1 555-0170", Status: "CONNECTED", QualityRating: "YELLOW"}, "17001")
		require.NoError(t, e.svc.WorkCheck(ctx, sn.ID))
		got, err := e.svc.Sender(ctx, sn.ID)
		require.NoError(t, err)
		require.Equal(t, "YELLOW", got.QualityRating)
		require.Empty(t, got.QualityEvent)
		require.Zero(t, e.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ?`, notify.KindSenderQuality), "YELLOW pauses nothing")
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

// A drop to RED tells the team once, when a read confirms it (not when a
// FLAGGED webhook suggests it); a check that finds the sender DISCONNECTED
// tells it too.
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
		require.Zero(t, count(notify.KindSenderQuality), "a guess from the event raises nothing")

		e.graph.setNumber(whatsapp.PhoneNumber{ID: "7101", DisplayPhoneNumber: "+55 11 4000-7101", Status: "CONNECTED", QualityRating: "RED"}, "7101")
		for range 2 {
			_, err := e.svc.CheckSender(ctx, sn.ID)
			require.NoError(t, err)
		}
		require.Equal(t, 1, count(notify.KindSenderQuality), "the confirmed drop, once")

		e.graph.setNumber(whatsapp.PhoneNumber{ID: "7101", DisplayPhoneNumber: "+55 11 4000-7101", Status: "DISCONNECTED", QualityRating: "RED"}, "7101")
		got, err := e.svc.CheckSender(ctx, sn.ID)
		require.NoError(t, err)
		require.False(t, got.Online)
		require.Equal(t, 1, count(notify.KindSenderOffline))

		e.graph.setNumber(whatsapp.PhoneNumber{ID: "7101", DisplayPhoneNumber: "+55 11 4000-7101", Status: "CONNECTED", QualityRating: "GREEN"}, "7101")
		_, err = e.svc.CheckSender(ctx, sn.ID)
		require.NoError(t, err)
		require.Equal(t, 2, count(notify.KindSenderQuality), "and the recovery")
	})
}
