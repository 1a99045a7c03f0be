package messaging_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// statusEnv is an env with a conversation to send in.
func statusEnv(t *testing.T, db store.DB) (*env, int64) {
	t.Helper()
	e := newEnv(t, db)
	e.mustProcess(t, text(e.sender, "wamid.IN", "5511988887777", "Ana", t0, "oi"))
	e.clock.Set(t0.Add(10 * time.Minute))
	return e, e.onlyConversation(t).ID
}

func TestStatusesMoveForward(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, conv := statusEnv(t, db)
		t1 := t0.Add(10 * time.Minute)
		id := e.outbound(t, conv, "wamid.OUT1", t1)
		m := e.messageByWAMID(t, "wamid.OUT1")
		require.Equal(t, id, m.ID)
		require.Equal(t, messaging.Outbound, m.Direction)
		require.Equal(t, messaging.StatusSent, m.Status)
		require.Equal(t, t1, m.SentAt)

		e.mustProcess(t, status("wamid.OUT1", "sent", t1.Add(time.Second)))
		m = e.messageByWAMID(t, "wamid.OUT1")
		require.Equal(t, messaging.StatusSent, m.Status)
		require.Equal(t, t1, m.SentAt, "the first sent time is kept")

		e.mustProcess(t, status("wamid.OUT1", "delivered", t1.Add(5*time.Second)))
		m = e.messageByWAMID(t, "wamid.OUT1")
		require.Equal(t, messaging.StatusDelivered, m.Status)
		require.Equal(t, t1.Add(5*time.Second), m.DeliveredAt)
		require.True(t, m.ReadAt.IsZero())

		e.mustProcess(t, status("wamid.OUT1", "read", t1.Add(time.Minute)))
		m = e.messageByWAMID(t, "wamid.OUT1")
		require.Equal(t, messaging.StatusRead, m.Status)
		require.Equal(t, t1.Add(time.Minute), m.ReadAt)
		require.Equal(t, t1.Add(5*time.Second), m.DeliveredAt)

		// Twice, and statuses we do not track, change nothing.
		e.mustProcess(t, status("wamid.OUT1", "read", t1.Add(2*time.Minute)))
		e.mustProcess(t, status("wamid.OUT1", "deleted", t1.Add(3*time.Minute)))
		e.mustProcess(t, status("wamid.OUT1", "sent", t1.Add(4*time.Minute)))
		require.Equal(t, m, e.messageByWAMID(t, "wamid.OUT1"))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM pending_statuses`))
	})
}

func TestOlderStatusAfterNewerKeepsStatusButDatesIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, conv := statusEnv(t, db)
		t1 := t0.Add(10 * time.Minute)
		e.outbound(t, conv, "wamid.OUT2", t1)
		e.mustProcess(t, status("wamid.OUT2", "read", t1.Add(time.Minute)))
		e.mustProcess(t, status("wamid.OUT2", "delivered", t1.Add(30*time.Second)))
		m := e.messageByWAMID(t, "wamid.OUT2")
		require.Equal(t, messaging.StatusRead, m.Status)
		require.Equal(t, t1.Add(30*time.Second), m.DeliveredAt)
		require.Equal(t, t1.Add(time.Minute), m.ReadAt)
	})
}

func TestFailedStatusCarriesTheError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, conv := statusEnv(t, db)
		t1 := t0.Add(10 * time.Minute)
		e.outbound(t, conv, "wamid.OUT3", t1)
		e.mustProcess(t, status("wamid.OUT3", "failed", t1.Add(time.Second), whatsapp.Error{
			Code: 131047, Title: "Re-engagement message", Message: "Re-engagement message",
			Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
		}))
		m := e.messageByWAMID(t, "wamid.OUT3")
		require.Equal(t, messaging.StatusFailed, m.Status)
		// The same form as a refused send: our code and fix, Meta's words in the detail.
		require.Equal(t, messaging.ErrCodeOutsideWindow, m.ErrorCode)
		require.Equal(t, "outside the 24-hour window: use a template message", m.ErrorMessage)
		require.Equal(t, "Meta error 131047: Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.", m.ErrorDetail)
		require.Equal(t, t1.Add(time.Second), m.FailedAt)

		// Without a title the message is used.
		e.outbound(t, conv, "wamid.OUT4", t1)
		e.mustProcess(t, status("wamid.OUT4", "failed", t1.Add(time.Second), whatsapp.Error{Code: 131026, Message: "Message undeliverable"}))
		m = e.messageByWAMID(t, "wamid.OUT4")
		require.NotEmpty(t, m.ErrorCode)
		require.NotEqual(t, "131026", m.ErrorCode)
		require.Equal(t, "Meta error 131026: Message undeliverable", m.ErrorDetail)
	})
}

func TestStatusBeforeRecordSentIsPending(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, conv := statusEnv(t, db)
		ctx := context.Background()
		t1 := t0.Add(10 * time.Minute)
		e.mustProcess(t, status("wamid.LATE", "delivered", t1.Add(2*time.Second)))
		e.mustProcess(t, status("wamid.LATE", "read", t1.Add(time.Minute)))
		e.mustProcess(t, status("wamid.LATE", "read", t1.Add(time.Minute))) // redelivered
		e.mustProcess(t, status("wamid.OTHER", "delivered", t1))
		require.Equal(t, 2, e.count(t, `SELECT COUNT(*) FROM pending_statuses WHERE wamid = ?`, "wamid.LATE"))

		// The send's own record commits after Meta's callbacks.
		now := store.Millis(e.clock.Now())
		var id int64
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			var err error
			id, err = messaging.InsertOutbound(ctx, tx, conv, "text", []byte(`{"body":"olá"}`), "olá", now)
			if err != nil {
				return err
			}
			return messaging.RecordSent(ctx, tx, id, "wamid.LATE", store.Millis(t1), now)
		}))
		m := e.messageByWAMID(t, "wamid.LATE")
		require.Equal(t, id, m.ID)
		require.Equal(t, messaging.StatusRead, m.Status)
		require.Equal(t, t1, m.SentAt)
		require.Equal(t, t1.Add(2*time.Second), m.DeliveredAt)
		require.Equal(t, t1.Add(time.Minute), m.ReadAt)
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM pending_statuses WHERE wamid = ?`, "wamid.LATE"))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM pending_statuses WHERE wamid = ?`, "wamid.OTHER"), "others wait on")
	})
}

func TestPendingFailedStatusAppliesWithItsError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, conv := statusEnv(t, db)
		t1 := t0.Add(10 * time.Minute)
		e.mustProcess(t, status("wamid.F", "failed", t1.Add(time.Second), whatsapp.Error{Code: 131049, Title: "Meta chose not to deliver", Details: "ecosystem"}))
		e.outbound(t, conv, "wamid.F", t1)
		m := e.messageByWAMID(t, "wamid.F")
		require.Equal(t, messaging.StatusFailed, m.Status)
		require.Equal(t, "marketing_limited", m.ErrorCode)
		require.Equal(t, "Meta error 131049: Meta chose not to deliver: ecosystem", m.ErrorDetail)
		require.Equal(t, t1.Add(time.Second), m.FailedAt)
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM pending_statuses`))
	})
}

func TestInsertOutboundIsQueuedUntilRecordSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, conv := statusEnv(t, db)
		ctx := context.Background()
		now := e.clock.Now()
		var id int64
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			var err error
			id, err = messaging.InsertOutbound(ctx, tx, conv, "template", []byte(`{"name":"appointment_confirmation"}`), "appointment_confirmation", store.Millis(now))
			return err
		}))
		msgs := e.messages(t, conv)
		require.Len(t, msgs, 2)
		m := msgs[1]
		require.Equal(t, id, m.ID)
		require.Equal(t, messaging.StatusQueued, m.Status)
		require.Equal(t, "", m.WAMID)
		require.Equal(t, "template", m.Type)
		require.JSONEq(t, `{"name":"appointment_confirmation"}`, string(m.Content))
		require.Equal(t, now, m.OccurredAt)
		require.True(t, m.SentAt.IsZero())
	})
}

// TestReplyContextIsKeptAndLinked shows a customer's reply keeps Meta's
// context object and points at our message it answers, so a quick reply
// can be tied to the template it came with.
func TestReplyContextIsKeptAndLinked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, conv := statusEnv(t, db)
		t1 := t0.Add(10 * time.Minute)
		ours := e.outbound(t, conv, "wamid.TEMPLATE", t1)
		reply := text(e.sender, "wamid.REPLY", "5511988887777", "Ana", t1.Add(time.Minute), "Sim")
		reply.Message.Context = &whatsapp.Context{From: "15550001111", ID: "wamid.TEMPLATE"}
		e.mustProcess(t, reply)
		fwd := text(e.sender, "wamid.FWD", "5511988887777", "Ana", t1.Add(2*time.Minute), "olha isso")
		fwd.Message.Context = &whatsapp.Context{Forwarded: true, FrequentlyForwarded: true}
		e.mustProcess(t, fwd)

		m := e.messageByWAMID(t, "wamid.REPLY")
		require.Equal(t, ours, m.ReplyToMessageID)
		require.JSONEq(t, `{"from":"15550001111","id":"wamid.TEMPLATE"}`, string(m.Context))
		require.Equal(t, ours, e.inbound[len(e.inbound)-2].Message.ReplyToMessageID, "the inbound hooks see the link")
		m = e.messageByWAMID(t, "wamid.FWD")
		require.Zero(t, m.ReplyToMessageID)
		require.JSONEq(t, `{"forwarded":true,"frequently_forwarded":true}`, string(m.Context))
	})
}

// TestUnsupportedMessageKeepsMetaErrors shows why Meta could not deliver
// a message's content stays on it.
func TestUnsupportedMessageKeepsMetaErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e, _ := statusEnv(t, db)
		ev := text(e.sender, "wamid.UNSUP", "5511988887777", "Ana", t0.Add(time.Minute), "")
		ev.Message.Type, ev.Message.Text = "unsupported", nil
		ev.Message.Errors = []whatsapp.Error{{Code: 131051, Title: "Message type unknown", Message: "Message type unknown",
			Details: "Message type is currently not supported."}}
		e.mustProcess(t, ev)
		m := e.messageByWAMID(t, "wamid.UNSUP")
		require.JSONEq(t, `{"errors":[{"code":131051,"title":"Message type unknown","message":"Message type unknown",
			"details":"Message type is currently not supported."}]}`, string(m.Content))
	})
}
