package messaging

import (
	"context"
	"errors"
	"strconv"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// InboundEvent is what hooks learn about a new inbound message.
type InboundEvent struct {
	Sender          account.Sender
	ContactID       int64
	ContactPhone    string
	ContactName     string
	ConversationID  int64
	NewConversation bool
	Message         Message
}

// InboundHook reacts to a new inbound message inside its transaction.
type InboundHook func(ctx context.Context, tx store.Tx, ev InboundEvent) error

// ErrUnknownSender means a webhook named a phone_number_id that is no
// sender here (a number of another app subscribed to the same WABA, or one
// deleted since).
var ErrUnknownSender = apperr.New(apperr.KindNotFound, "unknown_sender", "the webhook is for a phone_number_id that is not a sender here")

// Process applies one stored webhook event. It runs inside the caller's
// transaction and is idempotent: a message already stored is skipped, and
// statuses only move forward.
func (s *Service) Process(ctx context.Context, tx store.Tx, ev whatsapp.Event) error {
	now := store.Millis(s.now())
	switch ev.Kind {
	case whatsapp.EventMessage:
		return s.processMessage(ctx, tx, ev, now)
	case whatsapp.EventStatus:
		st := ev.Status
		u := StatusUpdate{WAMID: st.ID, Status: st.Status, At: store.Millis(st.Timestamp), Opaque: st.BizOpaqueCallbackData}
		if len(st.Errors) > 0 {
			e := st.Errors[0]
			u.ErrorCode, u.ErrorMessage, u.ErrorDetail = strconv.Itoa(e.Code), firstNonEmpty(e.Title, e.Message), e.Details
		}
		_, linked, err := applyStatus(ctx, tx, u, now)
		if err != nil || linked == nil || s.onLinked == nil {
			return err
		}
		return s.onLinked(ctx, tx, *linked)
	case whatsapp.EventTemplateStatus:
		return s.accounts.ApplyTemplateStatus(ctx, tx, ev.WABAID, *ev.TemplateStatus)
	case whatsapp.EventQualityUpdate:
		return s.accounts.ApplyQualityUpdate(ctx, tx, ev.WABAID, *ev.QualityUpdate)
	case whatsapp.EventAccountUpdate:
		return s.accounts.ApplyAccountUpdate(ctx, tx, ev.WABAID, *ev.AccountUpdate)
	case whatsapp.EventError:
		s.log.Warn("cloud api reported an error by webhook", "phone_number_id", ev.PhoneNumberID, "errors", ev.Errors)
		return nil
	}
	return nil
}

func (s *Service) processMessage(ctx context.Context, tx store.Tx, ev whatsapp.Event, now int64) error {
	m := ev.Message
	sender, err := account.SenderByPhoneNumberID(ctx, tx, ev.PhoneNumberID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrUnknownSender
	}
	if err != nil {
		return err
	}
	e164, err := phone.FromWAID(m.From)
	if err != nil {
		return apperr.Invalid("from", "invalid_phone", "the message's sender wa_id "+strconv.Quote(m.From)+" is not a phone number")
	}
	contactID, err := upsertContact(ctx, tx, m.From, e164, m.ProfileName, now)
	if err != nil {
		return err
	}
	at := store.Millis(m.Timestamp)
	convID, created, err := ensureConversation(ctx, tx, sender.ID, contactID, at, now)
	if err != nil {
		return err
	}
	content := m.Content()
	if len(content) == 0 {
		content = []byte("{}")
	}
	var msgID int64
	err = tx.QueryRow(ctx, `INSERT INTO messages (conversation_id, direction, wamid, type, content, summary, status, occurred_at, created_at, updated_at)
		VALUES (?, 'in', ?, ?, ?, ?, 'received', ?, ?, ?) ON CONFLICT (wamid) DO NOTHING RETURNING id`,
		convID, m.ID, m.Type, string(content), m.Summary(), at, now, now).Scan(&msgID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // stored before: a redelivery under another dedupe key, nothing to redo
	}
	if err != nil {
		return err
	}
	if err := touchInbound(ctx, tx, convID, msgID, at, now); err != nil {
		return err
	}
	if len(s.hooks) == 0 {
		return nil
	}
	in := InboundEvent{
		Sender: sender, ContactID: contactID, ContactPhone: e164, ContactName: m.ProfileName,
		ConversationID: convID, NewConversation: created,
		Message: Message{ID: msgID, ConversationID: convID, Direction: Inbound, WAMID: m.ID, Type: m.Type, Content: content,
			Summary: m.Summary(), Status: StatusReceived, OccurredAt: m.Timestamp, CreatedAt: store.Time(now)},
	}
	for _, h := range s.hooks {
		if err := h(ctx, tx, in); err != nil {
			return err
		}
	}
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
