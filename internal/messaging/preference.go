package messaging

import (
	"context"
	"errors"
	"strconv"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// processPreference applies a customer's marketing preference, which they
// set in WhatsApp itself ("Stop promotions" on a business's marketing
// message, or its profile's settings) and Meta reports with a
// user_preferences webhook: "stop" opts their contact out of marketing
// messages, as an opt-out keyword does, so campaigns skip them and a
// marketing template to them is refused before it reaches Meta (which
// would refuse it with 131050); "resume" opts them back in. Either is
// recorded in the contact's opt-out history with Meta's words. A "stop"
// from someone we have no contact for creates one, so a later import or
// campaign cannot reach them; a "resume" from a stranger changes nothing.
// Preferences about anything but marketing messages are kept, not applied,
// and so is one that names a WhatsApp username without a number
// (no_phone_number, as for its messages). Like a message, it speaks only
// for a number of the account that signed it.
func (s *Service) processPreference(ctx context.Context, tx store.Tx, owner int64, ev whatsapp.Event, now int64) error {
	p := ev.UserPreference
	e164, err := preferencePhone(p) // its own faults first, as Refused finds them
	if err != nil {
		return err
	}
	if _, err := senderOf(ctx, tx, owner, ev.PhoneNumberID); err != nil {
		return err
	}
	var out bool
	switch {
	case p.Category != whatsapp.PreferenceMarketing:
		return nil
	case p.Value == whatsapp.PreferenceStop:
		out = true
	case p.Value != whatsapp.PreferenceResume:
		return nil
	}
	var id int64
	var was bool
	err = tx.QueryRow(ctx, `SELECT id, opted_out FROM contacts WHERE wa_id = ?`, p.WAID).Scan(&id, &was)
	switch {
	case errors.Is(err, store.ErrNotFound) && out:
		if id, err = writeContact(ctx, tx, p.WAID, e164, p.ProfileName, now); err != nil {
			return err
		}
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return contact.SetOptOut(ctx, tx, id, was, out, contact.Actor{Source: contact.SourceWhatsApp}, p.Detail, store.Time(now))
}

// preferencePhone is the E.164 number of the customer a preference is
// about.
func preferencePhone(p *whatsapp.UserPreference) (string, error) {
	if p.WAID == "" && p.UserID != "" {
		return "", apperr.Invalid("wa_id", "no_phone_number", "the preference comes from a WhatsApp username (user_id "+
			strconv.Quote(p.UserID)+") without a phone number; contacts are kept by phone number, so no contact was changed")
	}
	e164, err := phone.FromWAID(p.WAID)
	if err != nil {
		return "", apperr.Invalid("wa_id", "invalid_phone", "the preference's wa_id "+strconv.Quote(p.WAID)+" is not a phone number")
	}
	return e164, nil
}

// refusedDetail is the opt-out history's note for a marketing message
// Meta refused because the customer had stopped marketing messages.
const refusedDetail = "Meta refused a marketing message: the customer stopped marketing messages from the business (error 131050)"

// optOutRefused opts out the customer of a conversation in which Meta
// refused a marketing message with 131050, as a failed status
// (applyStatus) or as the answer to the send (applySideEffects), and
// records it once: that error tells the customer stopped marketing
// messages in WhatsApp (before the user_preferences webhook was
// subscribed, for instance), and the next marketing message to them is
// then refused here instead of by Meta.
func optOutRefused(ctx context.Context, tx store.Tx, convID, now int64) error {
	if convID == 0 {
		return nil
	}
	var id int64
	err := tx.QueryRow(ctx, `SELECT c.id FROM conversations v JOIN contacts c ON c.id = v.contact_id
		WHERE v.id = ? AND c.opted_out = ?`, convID, false).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // opted out already (or gone)
	}
	if err != nil {
		return err
	}
	return contact.SetOptOut(ctx, tx, id, false, true, contact.Actor{Source: contact.SourceWhatsApp}, refusedDetail, store.Time(now))
}
