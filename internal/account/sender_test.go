package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

func TestCreateSenderReadsTheNumberFromGraph(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "600")
		e.clock.Add(time.Minute)
		e.graph.setNumber(whatsapp.PhoneNumber{
			ID: "should-be-ignored", DisplayPhoneNumber: "+55 11 4000-0001", VerifiedName: "Acme Clínica",
			QualityRating: "yellow", Status: "CONNECTED", MessagingLimitTier: "TIER_1K",
		}, "106540352242922")

		sn, err := e.svc.CreateSender(ctx, a.ID, account.SenderInput{PhoneNumberID: ptr("106540352242922")})
		require.NoError(t, err)
		require.Equal(t, []graphCall{{Method: "GetPhoneNumber", GraphURL: "https://graph.example", Token: "EAAG-token-600", ID: "106540352242922"}},
			e.graph.Calls())

		want := account.Sender{
			ID: sn.ID, AccountID: a.ID, PhoneNumberID: "106540352242922", DisplayPhoneNumber: "+55 11 4000-0001",
			VerifiedName: "Acme Clínica", Status: "CONNECTED", QualityRating: "YELLOW", MessagingLimit: "TIER_1K",
			RateLimit: account.DefaultRateLimit, Online: true,
			CheckedAt: t0.Add(time.Minute), CreatedAt: t0.Add(time.Minute), UpdatedAt: t0.Add(time.Minute),
		}
		require.Equal(t, want, sn)
		got, err := e.svc.Sender(ctx, sn.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		byID, err := account.SenderByPhoneNumberID(ctx, db.Read(), "106540352242922")
		require.NoError(t, err)
		require.Equal(t, want, byID)
		_, err = account.SenderByPhoneNumberID(ctx, db.Read(), "1")
		require.ErrorIs(t, err, store.ErrNotFound)

		// The rate limit bounds are inclusive.
		for id, rate := range map[string]int{"20001": 1, "20002": 1000} {
			e.graph.setNumber(whatsapp.PhoneNumber{Status: "", QualityRating: "NA"}, id)
			sn, err := e.svc.CreateSender(ctx, a.ID, account.SenderInput{PhoneNumberID: ptr(id), RateLimit: ptr(rate)})
			require.NoError(t, err)
			require.Equal(t, rate, sn.RateLimit)
			require.Equal(t, "UNKNOWN", sn.Status, "an empty status is stored as UNKNOWN")
			require.Equal(t, "UNKNOWN", sn.QualityRating, "NA folds into UNKNOWN")
			require.False(t, sn.Online)
		}
	})
}

func TestCreateSenderErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "700")
		e.createSender(t, a.ID, "5550001", "+1 555-0001")
		callsBefore := len(e.graph.Calls())

		// Input errors fail before any Cloud API call.
		for _, c := range []struct {
			in    account.SenderInput
			field string
		}{
			{account.SenderInput{}, "phone_number_id"},
			{account.SenderInput{PhoneNumberID: ptr("  ")}, "phone_number_id"},
			{account.SenderInput{PhoneNumberID: ptr("+5511940000001")}, "phone_number_id"},
			{account.SenderInput{PhoneNumberID: ptr("12ab34")}, "phone_number_id"},
			{account.SenderInput{PhoneNumberID: ptr("5550002"), RateLimit: ptr(0)}, "rate_limit"},
			{account.SenderInput{PhoneNumberID: ptr("5550002"), RateLimit: ptr(1001)}, "rate_limit"},
			{account.SenderInput{PhoneNumberID: ptr("5550002"), RateLimit: ptr(-5)}, "rate_limit"},
		} {
			_, err := e.svc.CreateSender(ctx, a.ID, c.in)
			apperrtest.Require(t, err, apperr.KindInvalid, "invalid_sender", c.field)
		}
		require.Len(t, e.graph.Calls(), callsBefore)

		_, err := e.svc.CreateSender(ctx, 9999, account.SenderInput{PhoneNumberID: ptr("5550002")})
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")

		// Meta's answers become user-facing errors that keep the cause.
		for _, c := range []struct {
			err  error
			kind apperr.Kind
			code string
		}{
			{&whatsapp.APIError{HTTPStatus: 400, Code: 100, Message: "Unsupported get request", Details: "Object with ID '5550002' does not exist"}, apperr.KindInvalid, "not_found_at_meta"},
			{&whatsapp.APIError{HTTPStatus: 400, Code: 33, Message: "object does not exist"}, apperr.KindInvalid, "not_found_at_meta"},
			{&whatsapp.APIError{HTTPStatus: 401, Code: 190, Message: "Error validating access token"}, apperr.KindInvalid, "invalid_access_token"},
			{&whatsapp.APIError{HTTPStatus: 401, Message: "unauthorized"}, apperr.KindInvalid, "invalid_access_token"},
			{&whatsapp.APIError{HTTPStatus: 500, Code: 2, Message: "Service temporarily unavailable"}, apperr.KindUpstream, "cloud_api_error"},
			{errors.New("dial tcp: connection refused"), apperr.KindUpstream, "cloud_api_unreachable"},
		} {
			e.graph.setNumberErr(c.err)
			_, err := e.svc.CreateSender(ctx, a.ID, account.SenderInput{PhoneNumberID: ptr("5550002")})
			apperrtest.Require(t, err, c.kind, c.code, "")
			require.ErrorIs(t, err, c.err, "the cause is kept")
			var api *whatsapp.APIError
			if errors.As(c.err, &api) {
				require.Contains(t, err.Error(), api.Message)
				if api.Details != "" {
					require.Contains(t, err.Error(), api.Details)
				}
			}
		}
		e.graph.setNumberErr(nil)

		// The fake answers code 100 for numbers it does not know.
		_, err = e.svc.CreateSender(ctx, a.ID, account.SenderInput{PhoneNumberID: ptr("5559999")})
		apperrtest.Require(t, err, apperr.KindInvalid, "not_found_at_meta", "")

		// The same phone_number_id twice, even under another account.
		other := e.createAccount(t, "701")
		_, err = e.svc.CreateSender(ctx, a.ID, account.SenderInput{PhoneNumberID: ptr("5550001")})
		apperrtest.Require(t, err, apperr.KindConflict, "sender_exists", "phone_number_id")
		_, err = e.svc.CreateSender(ctx, other.ID, account.SenderInput{PhoneNumberID: ptr("5550001")})
		apperrtest.Require(t, err, apperr.KindConflict, "sender_exists", "phone_number_id")

		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM senders`))
	})
}

func TestCheckSender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "800")
		sn := e.createSender(t, a.ID, "8000001", "+55 11 4000-0001")
		require.True(t, sn.Online)

		e.clock.Add(5 * time.Minute)
		e.graph.setNumber(whatsapp.PhoneNumber{
			DisplayPhoneNumber: "+55 11 4000-0001", VerifiedName: "Acme", Status: "DISCONNECTED", QualityRating: "RED", MessagingLimitTier: "TIER_250",
		}, "8000001")
		got, err := e.svc.CheckSender(ctx, sn.ID)
		require.NoError(t, err)
		require.Equal(t, "DISCONNECTED", got.Status)
		require.Equal(t, "RED", got.QualityRating)
		require.Equal(t, "TIER_250", got.MessagingLimit)
		require.False(t, got.Online)
		require.Equal(t, "", got.CheckError)
		require.Equal(t, t0.Add(5*time.Minute), got.CheckedAt)
		require.Equal(t, t0.Add(5*time.Minute), got.UpdatedAt)
		require.Equal(t, sn.CreatedAt, got.CreatedAt)
		calls := e.graph.Calls()
		require.Equal(t, graphCall{Method: "GetPhoneNumber", GraphURL: "https://graph.example", Token: "EAAG-token-800", ID: "8000001"}, calls[len(calls)-1])

		// A Graph failure is recorded on the sender and returned; the last
		// known status stays.
		e.clock.Add(time.Minute)
		e.graph.setNumberErr(&whatsapp.APIError{HTTPStatus: 401, Code: 190, Message: "Error validating access token: Session has expired"})
		_, err = e.svc.CheckSender(ctx, sn.ID)
		apperrtest.Require(t, err, apperr.KindInvalid, "invalid_access_token", "")
		got, err = e.svc.Sender(ctx, sn.ID)
		require.NoError(t, err)
		require.Contains(t, got.CheckError, "invalid_access_token")
		require.Contains(t, got.CheckError, "Session has expired")
		require.Equal(t, "DISCONNECTED", got.Status)
		require.Equal(t, "RED", got.QualityRating)
		require.Equal(t, t0.Add(6*time.Minute), got.CheckedAt)

		// Recovery clears check_error; an empty status keeps the old one.
		e.clock.Add(time.Minute)
		e.graph.setNumberErr(nil)
		e.graph.setNumber(whatsapp.PhoneNumber{DisplayPhoneNumber: "+55 11 4000-0001", VerifiedName: "Acme", QualityRating: "GREEN"}, "8000001")
		got, err = e.svc.CheckSender(ctx, sn.ID)
		require.NoError(t, err)
		require.Equal(t, "", got.CheckError)
		require.Equal(t, "DISCONNECTED", got.Status)
		require.Equal(t, "GREEN", got.QualityRating)

		e.graph.setNumber(whatsapp.PhoneNumber{DisplayPhoneNumber: "+55 11 4000-0001", Status: "CONNECTED", QualityRating: "GREEN"}, "8000001")
		got, err = e.svc.CheckSender(ctx, sn.ID)
		require.NoError(t, err)
		require.True(t, got.Online)

		_, err = e.svc.CheckSender(ctx, 4040)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}

func TestIsOnline(t *testing.T) {
	for status, want := range map[string]bool{
		"CONNECTED": true, "DISCONNECTED": false, "FLAGGED": false, "RESTRICTED": false, "UNKNOWN": false, "": false, "connected": false,
	} {
		require.Equal(t, want, account.IsOnline(status), status)
	}
}

func TestSendersListUpdateDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		a := e.createAccount(t, "900")
		b := e.createAccount(t, "901")
		s1 := e.createSender(t, a.ID, "9001", "+1 555-9001")
		s2 := e.createSender(t, b.ID, "9002", "+1 555-9002")
		s3 := e.createSender(t, a.ID, "9003", "+1 555-9003")

		ids := func(ss []account.Sender) []int64 {
			out := []int64{}
			for _, s := range ss {
				out = append(out, s.ID)
			}
			return out
		}
		all, err := e.svc.Senders(ctx, 0)
		require.NoError(t, err)
		require.Equal(t, []int64{s1.ID, s2.ID, s3.ID}, ids(all))
		ofA, err := e.svc.Senders(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, []int64{s1.ID, s3.ID}, ids(ofA))

		e.clock.Add(time.Minute)
		up, err := e.svc.UpdateSender(ctx, s1.ID, account.SenderInput{RateLimit: ptr(20)})
		require.NoError(t, err)
		require.Equal(t, 20, up.RateLimit)
		require.Equal(t, t0.Add(time.Minute), up.UpdatedAt)
		_, err = e.svc.UpdateSender(ctx, s1.ID, account.SenderInput{RateLimit: ptr(1001)})
		apperrtest.Require(t, err, apperr.KindInvalid, "invalid_sender", "rate_limit")
		_, err = e.svc.UpdateSender(ctx, s1.ID, account.SenderInput{PhoneNumberID: ptr("9009")})
		apperrtest.Require(t, err, apperr.KindInvalid, "invalid_sender", "phone_number_id")
		same, err := e.svc.UpdateSender(ctx, s1.ID, account.SenderInput{PhoneNumberID: ptr("9001")})
		require.NoError(t, err)
		require.Equal(t, 20, same.RateLimit)

		require.NoError(t, e.svc.DeleteSender(ctx, s1.ID))
		apperrtest.Require(t, e.svc.DeleteSender(ctx, s1.ID), apperr.KindNotFound, "not_found", "")
		_, err = e.svc.Sender(ctx, s1.ID)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}
