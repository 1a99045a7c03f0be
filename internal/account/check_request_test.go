package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

func (e *env) quality(t *testing.T, wabaID, display, event string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error {
		return e.svc.ApplyQualityUpdate(ctx, tx, wabaID, whatsapp.QualityUpdate{DisplayPhoneNumber: display, Event: event})
	}))
}

func (e *env) accountUpdate(t *testing.T, wabaID, display, event string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error {
		return e.svc.ApplyAccountUpdate(ctx, tx, wabaID, whatsapp.AccountUpdate{PhoneNumber: display, Event: event})
	}))
}

func (e *env) sender(t *testing.T, id int64) account.Sender {
	t.Helper()
	sn, err := e.svc.Sender(context.Background(), id)
	require.NoError(t, err)
	return sn
}

// A FLAGGED then an UNFLAGGED in the same minute: the second arrives after
// the first check started, so it queues a second check, and the sender ends
// as the fresh read says (it used to stay RED until the 15-minute sweep:
// the check job was unique per minute).
func TestQualityWebhooksInOneMinuteEachLeadToARead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "2100")
		sn := e.createSender(t, a.ID, "21001", "+55 11 4000-2101")

		e.graph.setNumber(whatsapp.PhoneNumber{DisplayPhoneNumber: "+55 11 4000-2101", Status: "CONNECTED", QualityRating: "RED"}, "21001")
		e.quality(t, "2100", "551140002101", "FLAGGED")
		require.Equal(t, []int64{sn.ID}, e.senderCheckJobs(t))
		require.NoError(t, e.svc.WorkCheck(ctx, sn.ID))
		require.Equal(t, "RED", e.sender(t, sn.ID).QualityRating)

		e.clock.Add(20 * time.Second)
		e.graph.setNumber(whatsapp.PhoneNumber{DisplayPhoneNumber: "+55 11 4000-2101", Status: "CONNECTED", QualityRating: "GREEN"}, "21001")
		e.quality(t, "2100", "551140002101", "UNFLAGGED")
		require.Equal(t, []int64{sn.ID, sn.ID}, e.senderCheckJobs(t), "a second check, not dropped")
		require.Equal(t, "RED", e.sender(t, sn.ID).QualityRating, "until it reads")
		require.NoError(t, e.svc.WorkCheck(ctx, sn.ID))
		got := e.sender(t, sn.ID)
		require.Equal(t, "GREEN", got.QualityRating)
		require.Empty(t, got.QualityEvent)
		reads := 0
		for _, c := range e.graph.Calls() {
			if c.Method == "GetPhoneNumber" && c.ID == "21001" {
				reads++
			}
		}
		require.Equal(t, 3, reads, "the read when added, then one per webhook")
	})
}

// Requests made before a queued check starts coalesce into it: its read
// comes after all of them.
func TestCheckRequestsCoalesceUntilTheCheckStarts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "2200")
		sn := e.createSender(t, a.ID, "22001", "+55 11 4000-2201")
		e.quality(t, "2200", "551140002201", "FLAGGED")
		e.accountUpdate(t, "2200", "", "ACCOUNT_VIOLATION")
		e.quality(t, "2200", "551140002201", "UNFLAGGED")
		require.Equal(t, []int64{sn.ID}, e.senderCheckJobs(t), "one queued check answers all three")

		require.NoError(t, e.svc.WorkCheck(ctx, sn.ID))
		e.quality(t, "2200", "551140002201", "FLAGGED")
		require.Len(t, e.senderCheckJobs(t), 2, "a request after the check started queues the next")

		// A queued mark whose job was lost does not block checks for ever.
		e.clock.Add(11 * time.Minute)
		e.quality(t, "2200", "551140002201", "FLAGGED")
		require.Len(t, e.senderCheckJobs(t), 3)
	})
}

// A number that goes offline and reconnects within a minute ends CONNECTED
// after the second account_update's check, without a manual check.
func TestSenderReconnectingWithinAMinuteIsReadAgain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "2300")
		sn := e.createSender(t, a.ID, "23001", "+55 11 4000-2301")

		e.graph.setNumber(whatsapp.PhoneNumber{DisplayPhoneNumber: "+55 11 4000-2301", Status: "DISCONNECTED", QualityRating: "GREEN"}, "23001")
		e.accountUpdate(t, "2300", "551140002301", "ACCOUNT_OFFBOARDED")
		require.NoError(t, e.svc.WorkCheck(ctx, sn.ID))
		require.False(t, e.sender(t, sn.ID).Online)

		e.clock.Add(10 * time.Second)
		e.graph.setNumber(whatsapp.PhoneNumber{DisplayPhoneNumber: "+55 11 4000-2301", Status: "CONNECTED", QualityRating: "GREEN"}, "23001")
		e.accountUpdate(t, "2300", "551140002301", "ACCOUNT_RECONNECTED")
		require.Len(t, e.senderCheckJobs(t), 2)
		require.NoError(t, e.svc.WorkCheck(ctx, sn.ID))
		got := e.sender(t, sn.ID)
		require.True(t, got.Online)
		require.Equal(t, "CONNECTED", got.Status)
	})
}

// Error 190 on a check marks the account's credentials, tells the team
// once and leaves the numbers' status alone; the job does not retry. A
// successful read clears it, and so does a new token.
func TestRefusedTokenMarksTheAccountNotTheSender(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "2400")
		s1 := e.createSender(t, a.ID, "24001", "+55 11 4000-2401")
		s2 := e.createSender(t, a.ID, "24002", "+55 11 4000-2402")
		notes := func() int {
			return e.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ?`, notify.KindCredentials)
		}

		e.graph.setNumberErr(&whatsapp.APIError{HTTPStatus: 401, Code: 190, Message: "Error validating access token: Session has expired"})
		require.NoError(t, e.svc.WorkCheck(ctx, s1.ID), "retrying cannot fix a token")
		require.NoError(t, e.svc.WorkCheck(ctx, s2.ID))
		for _, id := range []int64{s1.ID, s2.ID} {
			got := e.sender(t, id)
			require.Equal(t, "CONNECTED", got.Status)
			require.True(t, got.Online)
			require.Contains(t, got.CheckError, "invalid_access_token")
		}
		acc, err := e.svc.Account(ctx, a.ID)
		require.NoError(t, err)
		require.Contains(t, acc.CredentialsError, "Session has expired")
		require.Equal(t, t0, acc.CredentialsErrorAt)
		require.Equal(t, 1, notes(), "once, not once per number or check")
		require.Zero(t, e.count(t, `SELECT COUNT(*) FROM notifications WHERE kind = ?`, notify.KindSenderOffline))

		// Another failure (not the token) does not touch the account.
		e.graph.setNumberErr(&whatsapp.APIError{HTTPStatus: 500, Code: 1, Message: "An unknown error occurred"})
		require.Error(t, e.svc.WorkCheck(ctx, s1.ID), "a transient failure retries")

		e.graph.setNumberErr(nil)
		require.NoError(t, e.svc.WorkCheck(ctx, s1.ID))
		acc, err = e.svc.Account(ctx, a.ID)
		require.NoError(t, err)
		require.Empty(t, acc.CredentialsError)
		require.True(t, acc.CredentialsErrorAt.IsZero())

		// Refused again, then replaced: the new token clears it and the
		// numbers are read with it.
		e.graph.setNumberErr(&whatsapp.APIError{HTTPStatus: 401, Code: 190, Message: "Error validating access token"})
		require.NoError(t, e.svc.WorkCheck(ctx, s1.ID))
		require.Equal(t, 2, notes())
		jobs := len(e.senderCheckJobs(t))
		acc, err = e.svc.UpdateAccount(ctx, a.ID, account.AccountInput{AccessToken: ptr("EAAG-new-token")})
		require.NoError(t, err)
		require.Empty(t, acc.CredentialsError)
		require.Len(t, e.senderCheckJobs(t), jobs+2, "both numbers are checked with the new token")
	})
}
