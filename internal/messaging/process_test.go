package messaging_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

func TestFirstMessageCreatesContactConversationMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.mustProcess(t, text(e.sender, "wamid.A", "5511988887777", "Ana", t0, "oi"))

		contacts, err := e.svc.Contacts(ctx, messaging.ContactFilter{Phone: "+5511988887777"})
		require.NoError(t, err)
		require.Len(t, contacts, 1)
		k := contacts[0]
		require.Equal(t, "5511988887777", k.WAID)
		require.Equal(t, "+5511988887777", k.Phone)
		require.Equal(t, "Ana", k.ProfileName)
		require.Equal(t, t0.Add(time.Minute), k.CreatedAt)
		byID, err := e.svc.Contact(ctx, k.ID)
		require.NoError(t, err)
		require.Equal(t, k, byID)

		c := e.onlyConversation(t)
		msgs := e.messages(t, c.ID)
		require.Len(t, msgs, 1)
		m := msgs[0]
		require.Equal(t, c.ID, m.ConversationID)
		require.Equal(t, messaging.Inbound, m.Direction)
		require.Equal(t, "wamid.A", m.WAMID)
		require.Equal(t, "text", m.Type)
		require.JSONEq(t, `{"body":"oi"}`, string(m.Content))
		require.Equal(t, "oi", m.Summary)
		require.Equal(t, messaging.StatusReceived, m.Status)
		require.Equal(t, t0, m.OccurredAt)
		require.Equal(t, t0.Add(time.Minute), m.CreatedAt)
		require.True(t, m.SentAt.IsZero())

		require.Equal(t, messaging.Conversation{
			ID: c.ID, SenderID: e.sender.ID, ContactID: k.ID, ContactPhone: "+5511988887777", ContactName: "Ana",
			StartedAt: t0, FirstMessageID: m.ID, LastMessageAt: t0, LastInboundAt: t0,
			WindowExpiresAt: t0.Add(24 * time.Hour), WindowOpen: true,
			CreatedAt: t0.Add(time.Minute), UpdatedAt: t0.Add(time.Minute),
		}, c)
		one, err := e.svc.Conversation(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, c, one)

		// The hook saw a new conversation.
		require.Len(t, e.inbound, 1)
		in := e.inbound[0]
		require.True(t, in.NewConversation)
		require.Equal(t, e.sender.ID, in.Sender.ID)
		require.Equal(t, e.sender.PhoneNumberID, in.Sender.PhoneNumberID)
		require.Equal(t, k.ID, in.ContactID)
		require.Equal(t, "+5511988887777", in.ContactPhone)
		require.Equal(t, "Ana", in.ContactName)
		require.Equal(t, c.ID, in.ConversationID)
		require.Equal(t, m.ID, in.Message.ID)
		require.Equal(t, "oi", in.Message.Summary)
		require.Equal(t, "text", in.Message.Type)
		require.Equal(t, t0, in.Message.OccurredAt)

		// A second message: same conversation, not new; the profile name
		// follows the latest one.
		e.clock.Set(t0.Add(2*time.Hour + time.Minute))
		e.mustProcess(t, text(e.sender, "wamid.B", "5511988887777", "Ana Maria", t0.Add(2*time.Hour), "tudo bem?"))
		require.Len(t, e.inbound, 2)
		require.False(t, e.inbound[1].NewConversation)
		require.Equal(t, c.ID, e.inbound[1].ConversationID)
		require.Equal(t, k.ID, e.inbound[1].ContactID)
		k2, err := e.svc.Contact(ctx, k.ID)
		require.NoError(t, err)
		require.Equal(t, "Ana Maria", k2.ProfileName)
		require.Equal(t, t0.Add(2*time.Hour+time.Minute), k2.UpdatedAt)

		// A message without a profile name keeps the known one.
		e.mustProcess(t, text(e.sender, "wamid.C", "5511988887777", "", t0.Add(3*time.Hour), "?"))
		k3, err := e.svc.Contact(ctx, k.ID)
		require.NoError(t, err)
		require.Equal(t, "Ana Maria", k3.ProfileName)
		// The same name again changes nothing, its time included.
		e.clock.Set(t0.Add(4 * time.Hour))
		e.mustProcess(t, text(e.sender, "wamid.D", "5511988887777", "Ana Maria", t0.Add(4*time.Hour), "!"))
		k4, err := e.svc.Contact(ctx, k.ID)
		require.NoError(t, err)
		require.Equal(t, k2.UpdatedAt, k4.UpdatedAt)
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM contacts`))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM conversations`))
		c = e.onlyConversation(t)
		require.Equal(t, m.ID, c.FirstMessageID, "first message stays the first")
		require.Equal(t, t0, c.StartedAt)
	})
}

func TestSameContactOnTwoSendersHasTwoConversations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		other := e.addSender(t, "106540352240002")
		e.mustProcess(t, text(e.sender, "wamid.A", "5511988887777", "Ana", t0, "oi"))
		e.mustProcess(t, text(other, "wamid.B", "5511988887777", "Ana", t0.Add(time.Minute), "oi de novo"))
		require.Len(t, e.inbound, 2)
		require.True(t, e.inbound[0].NewConversation)
		require.True(t, e.inbound[1].NewConversation)
		require.NotEqual(t, e.inbound[0].ConversationID, e.inbound[1].ConversationID)
		require.Equal(t, e.inbound[0].ContactID, e.inbound[1].ContactID)
		require.Equal(t, other.ID, e.inbound[1].Sender.ID)
	})
}

func TestDuplicateMessageStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ev := text(e.sender, "wamid.A", "5511988887777", "Ana", t0, "oi")
		e.mustProcess(t, ev)
		e.mustProcess(t, ev)
		// Even redelivered with a later timestamp, it changes nothing.
		late := text(e.sender, "wamid.A", "5511988887777", "Ana", t0.Add(5*time.Hour), "oi")
		e.mustProcess(t, late)

		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM messages`))
		require.Len(t, e.inbound, 1, "the hook runs once per message")
		c := e.onlyConversation(t)
		require.Equal(t, t0.Add(24*time.Hour), c.WindowExpiresAt)
		require.Equal(t, t0, c.LastMessageAt)
	})
}

func TestHookErrorRollsBackTheMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		boom := errors.New("hook failed")
		e.svc.OnInbound(func(context.Context, store.Tx, messaging.InboundEvent) error { return boom })
		err := e.process(text(e.sender, "wamid.A", "5511988887777", "Ana", t0, "oi"))
		require.ErrorIs(t, err, boom)
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM messages`))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM conversations`))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM contacts`))
	})
}

func TestUnknownSenderAndInvalidPhone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ev := text(e.sender, "wamid.A", "5511988887777", "Ana", t0, "oi")
		ev.PhoneNumberID = "999999"
		err := e.process(ev)
		require.ErrorIs(t, err, messaging.ErrUnknownSender)
		apperrtest.Require(t, err, apperr.KindNotFound, "unknown_sender", "")

		for _, from := range []string{"abc", "", "0511988887777", "+5511988887777", "1234567"} {
			err = e.process(text(e.sender, "wamid.X"+from, from, "Ana", t0, "oi"))
			apperrtest.Require(t, err, apperr.KindInvalid, "invalid_phone", "from")
		}
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM contacts`))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM messages`))
		require.Empty(t, e.inbound)
	})
}

// TestRefusedIsWhatProcessSays: Refused, which the webhook writer asks
// before storing, names exactly the events Process refuses for their own
// fault whatever the database holds, with the same error; for the others
// (and for a sender that does not exist, which takes a read) it says nil.
func TestRefusedIsWhatProcessSays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		username := text(e.sender, "wamid.U", "", "Bia", t0, "oi")
		username.Message.FromUserID = "BR.11815799212886844830"
		usernameElsewhere := username
		usernameElsewhere.PhoneNumberID = "999999" // its own fault comes first
		unknownSender := text(e.sender, "wamid.S", "5511988887777", "Ana", t0, "oi")
		unknownSender.PhoneNumberID = "999999"
		for _, c := range []struct {
			name string
			ev   whatsapp.Event
			code string // "": not refused
		}{
			{"username", username, "no_phone_number"},
			{"username to a number of no sender", usernameElsewhere, "no_phone_number"},
			{"no number", text(e.sender, "wamid.N", "", "Ana", t0, "oi"), "invalid_phone"},
			{"not a number", text(e.sender, "wamid.A", "abc", "Ana", t0, "oi"), "invalid_phone"},
			{"a customer", text(e.sender, "wamid.OK", "5511988887777", "Ana", t0, "oi"), ""},
			{"unknown sender", unknownSender, ""},
			{"a preference of a username", whatsapp.Event{Kind: whatsapp.EventUserPreference, WABAID: wabaID, PhoneNumberID: e.sender.PhoneNumberID,
				UserPreference: &whatsapp.UserPreference{UserID: "BR.1", Category: whatsapp.PreferenceMarketing, Value: whatsapp.PreferenceStop}}, "no_phone_number"},
			{"a preference of no number", whatsapp.Event{Kind: whatsapp.EventUserPreference, WABAID: wabaID, PhoneNumberID: "999999",
				UserPreference: &whatsapp.UserPreference{WAID: "abc", Category: whatsapp.PreferenceMarketing, Value: whatsapp.PreferenceStop}}, "invalid_phone"},
			{"a status", whatsapp.Event{Kind: whatsapp.EventStatus, WABAID: wabaID, PhoneNumberID: e.sender.PhoneNumberID,
				Status: &whatsapp.Status{ID: "wamid.none", Status: "delivered", RecipientID: "abc"}}, ""},
		} {
			refused := messaging.Refused(c.ev)
			if c.code == "" {
				require.NoError(t, refused, c.name)
				continue
			}
			field := "from"
			if c.ev.Kind == whatsapp.EventUserPreference {
				field = "wa_id"
			}
			apperrtest.Require(t, refused, apperr.KindInvalid, c.code, field)
			require.Equal(t, refused.Error(), e.process(c.ev).Error(), c.name)
		}
	})
}

func TestMediaMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ev := whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: wabaID, PhoneNumberID: e.sender.PhoneNumberID,
			Message: &whatsapp.InboundMessage{ID: "wamid.IMG", From: "5511988887777", ProfileName: "Ana", Timestamp: t0, Type: "image",
				Image: &whatsapp.Media{ID: "1479537139650973", MimeType: "image/jpeg", SHA256: "abc=", Caption: "foto do pedido"}}}
		e.mustProcess(t, ev)
		m := e.messageByWAMID(t, "wamid.IMG")
		require.Equal(t, "image", m.Type)
		require.Equal(t, "foto do pedido", m.Summary)
		var content struct {
			ID       string `json:"id"`
			MimeType string `json:"mime_type"`
			Caption  string `json:"caption"`
		}
		require.NoError(t, json.Unmarshal(m.Content, &content))
		require.Equal(t, "1479537139650973", content.ID)
		require.Equal(t, "image/jpeg", content.MimeType)
		require.Equal(t, "foto do pedido", content.Caption)

		// No caption: a placeholder summary. No modelled content: "{}".
		e.mustProcess(t, whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: wabaID, PhoneNumberID: e.sender.PhoneNumberID,
			Message: &whatsapp.InboundMessage{ID: "wamid.IMG2", From: "5511988887777", Timestamp: t0.Add(time.Second), Type: "image",
				Image: &whatsapp.Media{ID: "2"}}})
		require.Equal(t, "[image]", e.messageByWAMID(t, "wamid.IMG2").Summary)
		e.mustProcess(t, whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: wabaID, PhoneNumberID: e.sender.PhoneNumberID,
			Message: &whatsapp.InboundMessage{ID: "wamid.U", From: "5511988887777", Timestamp: t0.Add(2 * time.Second), Type: "unsupported"}})
		u := e.messageByWAMID(t, "wamid.U")
		require.Equal(t, "{}", string(u.Content))
		require.Equal(t, "[unsupported message]", u.Summary)
	})
}

func TestProcessDelegatesAccountEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.mustProcess(t, whatsapp.Event{Kind: whatsapp.EventQualityUpdate, WABAID: wabaID,
			QualityUpdate: &whatsapp.QualityUpdate{DisplayPhoneNumber: e.sender.DisplayPhoneNumber, Event: "FLAGGED"}})
		sn, err := e.accounts.Sender(ctx, e.sender.ID)
		require.NoError(t, err)
		require.Equal(t, "FLAGGED", sn.QualityEvent, "pending until the check reads the rating")
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM river_job WHERE kind = ?`, "sender.check"))

		// System errors are logged only.
		e.mustProcess(t, whatsapp.Event{Kind: whatsapp.EventError, WABAID: wabaID, PhoneNumberID: e.sender.PhoneNumberID,
			Errors: []whatsapp.Error{{Code: 131000, Title: "Something went wrong"}}})
	})
}

// A returning customer's message with an unchanged name finds its contact
// and conversation in one query and writes neither; a new name is written.
func TestReturningCustomerCostsOneLookup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.mustProcess(t, text(e.sender, "wamid.A", "5511988887777", "Ana", t0, "oi"))
		statements := func(ev whatsapp.Event) []string {
			t.Helper()
			var rec *storetest.RecordingTx
			require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
				rec = &storetest.RecordingTx{Tx: tx}
				return e.svc.Process(ctx, rec, e.account.ID, ev)
			}))
			out := make([]string, len(rec.Stmts))
			for i, q := range rec.Stmts {
				out[i] = strings.Join(strings.Fields(q), " ")
			}
			return out
		}
		touching := func(stmts []string, table string) (n int) {
			for _, q := range stmts {
				if strings.Contains(q, " "+table+" ") {
					n++
				}
			}
			return n
		}
		same := statements(text(e.sender, "wamid.B", "5511988887777", "Ana", t0.Add(time.Minute), "tudo bem?"))
		// The sender (once per transaction), the joined lookup, the message
		// and the conversation's touch: nothing else.
		require.Len(t, same, 4, "%q", same)
		require.Contains(t, same[1], "FROM contacts k LEFT JOIN conversations v")
		require.True(t, strings.HasPrefix(same[2], "INSERT INTO messages "), same[2])
		require.True(t, strings.HasPrefix(same[3], "UPDATE conversations "), same[3])
		renamed := statements(text(e.sender, "wamid.C", "5511988887777", "Ana Maria", t0.Add(2*time.Minute), "!"))
		require.Equal(t, 2, touching(renamed, "contacts"), "the lookup and the new name: %q", renamed)
		k, err := e.svc.Contact(ctx, e.inbound[0].ContactID)
		require.NoError(t, err)
		require.Equal(t, "Ana Maria", k.ProfileName)
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM conversations`))
	})
}
