package messaging

import (
	"context"
	"encoding/json"
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
	// WasResolved: the conversation was resolved before this message
	// (which reopens it, Team.InboundHook).
	WasResolved bool
	Message     Message
}

// InboundHook reacts to a new inbound message inside its transaction.
type InboundHook func(ctx context.Context, tx store.Tx, ev InboundEvent) error

// ErrUnknownSender means a webhook named a phone_number_id that is no
// sender here (a number of another app subscribed to the same WABA, or one
// deleted since).
var ErrUnknownSender = apperr.New(apperr.KindNotFound, "unknown_sender", "the webhook is for a phone_number_id that is not a sender here")

// foreign builds the error of an event that names something its signer may
// not speak for. The dispatcher records it on the event, counts it by code
// and applies nothing of it.
func foreign(what string) error {
	return apperr.New(apperr.KindForbidden, CodeForeignEvent, "dropped: "+what+" does not belong to the account whose app secret signed the webhook")
}

// CodeForeignEvent is the code of an event dropped because it names an
// account, number or message its signer does not own.
const CodeForeignEvent = "foreign_event"

// Process applies one stored webhook event, signed by the account signer.
// It runs inside the caller's transaction and is idempotent: a message
// already stored is skipped, and statuses only move forward.
//
// A webhook speaks only for the accounts that share its signer's app
// secret (account.Trust): an entry of another WABA, a phone_number_id of
// another account's number or a status of another account's message is
// dropped with CodeForeignEvent, never applied.
func (s *Service) Process(ctx context.Context, tx store.Tx, signer int64, ev whatsapp.Event) error {
	trust, err := s.accounts.TrustFor(ctx, tx, signer)
	if err != nil {
		return err
	}
	owner, ok := trust.AccountOf(ev.WABAID)
	if !ok {
		return foreign("WABA " + strconv.Quote(ev.WABAID))
	}
	now := store.Millis(s.now())
	switch ev.Kind {
	case whatsapp.EventMessage:
		return s.processMessage(ctx, tx, owner, ev, now)
	case whatsapp.EventStatus:
		return s.processStatus(ctx, tx, owner, ev, now)
	case whatsapp.EventTemplateStatus:
		return s.accounts.ApplyTemplateStatus(ctx, tx, ev.WABAID, *ev.TemplateStatus)
	case whatsapp.EventQualityUpdate:
		return s.accounts.ApplyQualityUpdate(ctx, tx, ev.WABAID, *ev.QualityUpdate)
	case whatsapp.EventAccountUpdate:
		return s.accounts.ApplyAccountUpdate(ctx, tx, ev.WABAID, *ev.AccountUpdate)
	case whatsapp.EventUserPreference:
		return s.processPreference(ctx, tx, owner, ev, now)
	case whatsapp.EventTemplateCategory:
		return s.accounts.ApplyTemplateCategory(ctx, tx, ev.WABAID, *ev.TemplateCategory)
	case whatsapp.EventError:
		s.log.Warn("cloud api reported an error by webhook", "phone_number_id", ev.PhoneNumberID, "errors", ev.Errors)
		return nil
	}
	return nil
}

// senderOf returns the sender named by an event's phone_number_id, which
// must be a number of owner, the account of the event's WABA.
func senderOf(ctx context.Context, tx store.Tx, owner int64, phoneNumberID string) (account.Sender, error) {
	sender, err := account.SenderByPhoneNumberID(ctx, tx, phoneNumberID)
	if errors.Is(err, store.ErrNotFound) {
		return sender, ErrUnknownSender
	}
	if err != nil {
		return sender, err
	}
	if sender.AccountID != owner {
		return sender, foreign("phone_number_id " + strconv.Quote(phoneNumberID))
	}
	return sender, nil
}

// processStatus applies a delivery status to the message it names, which
// must be a message of the event's own number.
func (s *Service) processStatus(ctx context.Context, tx store.Tx, owner int64, ev whatsapp.Event, now int64) error {
	if _, err := senderOf(ctx, tx, owner, ev.PhoneNumberID); err != nil {
		return err
	}
	st := ev.Status
	u := StatusUpdate{WAMID: st.ID, Status: st.Status, At: store.Millis(st.Timestamp), Opaque: st.BizOpaqueCallbackData,
		PhoneNumberID: ev.PhoneNumberID, AccountID: owner}
	if len(st.Errors) > 0 {
		e := st.Errors[0]
		// The same words a refused send gets: our code and fix, and Meta's
		// own in the detail.
		se := ClassifyWebhookError(e.Code, firstNonEmpty(e.Title, e.Message), e.Details)
		u.ErrorCode, u.ErrorMessage, u.ErrorDetail = se.Code, se.Message, metaDetail(se)
	}
	res, err := applyStatus(ctx, tx, u, now)
	if err != nil {
		return err
	}
	if res.foreign {
		return foreign("message " + strconv.Quote(st.ID))
	}
	if res.pending {
		s.pendingAdded(tx)
	}
	if err := s.runStatusHooks(ctx, tx, res, u.Status); err != nil {
		return err
	}
	if res.linked == nil || s.onLinked == nil {
		return nil
	}
	return s.onLinked(ctx, tx, *res.linked)
}

// Refused returns the error Process will give ev whatever the database
// holds (a named apperr, the event's own fault), or nil. It reads nothing,
// so the webhook writer asks it before storing: an event it refuses is
// stored already processed, with its error, instead of failing the
// commit that applies it.
func Refused(ev whatsapp.Event) error {
	var err error
	switch {
	case ev.Kind == whatsapp.EventMessage && ev.Message != nil:
		_, err = senderPhone(ev.Message)
	case ev.Kind == whatsapp.EventUserPreference && ev.UserPreference != nil:
		_, err = preferencePhone(ev.UserPreference)
	}
	return err
}

// senderPhone is the E.164 number of an inbound message's customer.
func senderPhone(m *whatsapp.InboundMessage) (string, error) {
	if m.From == "" && m.FromUserID != "" {
		// A customer with a WhatsApp username who has not shared their
		// number: contacts and conversations are kept by number, so there
		// is nothing to file it under. Its event stays stored, with this.
		return "", apperr.Invalid("from", "no_phone_number", "the message comes from a WhatsApp username (from_user_id "+
			strconv.Quote(m.FromUserID)+") without a phone number; conversations are kept by phone number, so it is not in the inbox")
	}
	e164, err := phone.FromWAID(m.From)
	if err != nil {
		return "", apperr.Invalid("from", "invalid_phone", "the message's sender wa_id "+strconv.Quote(m.From)+" is not a phone number")
	}
	return e164, nil
}

func (s *Service) processMessage(ctx context.Context, tx store.Tx, owner int64, ev whatsapp.Event, now int64) error {
	m := ev.Message
	// The event's own faults first, in the order Refused finds them, so
	// an event gets the same error here as when it was stored.
	e164, err := senderPhone(m)
	if err != nil {
		return err
	}
	sender, err := senderOf(ctx, tx, owner, ev.PhoneNumberID)
	if err != nil {
		return err
	}
	// Most messages come from a known customer in a known conversation:
	// one query, and no write, finds both.
	contactID, profileName, convID, resolvedAt, err := knownContact(ctx, tx, m.From, sender.ID)
	if err != nil {
		return err
	}
	if contactID == 0 || (m.ProfileName != "" && m.ProfileName != profileName) {
		if contactID, err = writeContact(ctx, tx, m.From, e164, m.ProfileName, now); err != nil {
			return err
		}
	}
	at := store.Millis(m.Timestamp)
	created := false
	if convID == 0 {
		if convID, created, err = createConversation(ctx, tx, sender.ID, contactID, at, now, true); err != nil {
			return err
		}
	}
	content := m.Content()
	if len(content) == 0 {
		content = []byte("{}")
	}
	msgContext, replyTo := "", ""
	if m.Context != nil {
		b, err := json.Marshal(m.Context)
		if err != nil {
			return err
		}
		msgContext, replyTo = string(b), m.Context.ID
	}
	// reply_to_message_id links a reply to our message in this
	// conversation it answers (a quick reply to the template it came with).
	var msgID, replyToID int64
	err = tx.QueryRow(ctx, `INSERT INTO messages (conversation_id, direction, wamid, type, content, summary, status, context,
			reply_to_message_id, occurred_at, created_at, updated_at)
		VALUES (?, 'in', ?, ?, ?, ?, 'received', ?,
			COALESCE((SELECT id FROM messages WHERE wamid = ? AND conversation_id = ?), 0), ?, ?, ?)
		ON CONFLICT (wamid) DO NOTHING RETURNING id, reply_to_message_id`,
		convID, m.ID, m.Type, string(content), m.Summary(), msgContext, replyTo, convID, at, now, now).Scan(&msgID, &replyToID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // stored before: a redelivery under another dedupe key, nothing to redo
	}
	if err != nil {
		return err
	}
	if created {
		err = setFirstMessage(ctx, tx, convID, msgID)
	} else {
		err = touchInbound(ctx, tx, convID, msgID, at, now)
	}
	if err != nil {
		return err
	}
	if len(s.hooks) == 0 {
		return nil
	}
	var rawContext json.RawMessage
	if msgContext != "" {
		rawContext = json.RawMessage(msgContext)
	}
	in := InboundEvent{
		Sender: sender, ContactID: contactID, ContactPhone: e164, ContactName: m.ProfileName,
		ConversationID: convID, NewConversation: created, WasResolved: resolvedAt != 0,
		Message: Message{ID: msgID, ConversationID: convID, Direction: Inbound, WAMID: m.ID, Type: m.Type, Content: content,
			Summary: m.Summary(), Status: StatusReceived, Context: rawContext, ReplyToMessageID: replyToID, OccurredAt: m.Timestamp, CreatedAt: store.Time(now)},
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
