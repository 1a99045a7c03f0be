package messaging

import (
	"context"
	"strings"
	"unicode"

	"github.com/zapflow/zapflow/internal/store"
	"golang.org/x/text/unicode/norm"
)

// DefaultOptOutKeywords stop marketing messages to a contact (F17).
var DefaultOptOutKeywords = []string{"STOP", "SAIR"}

// SetOptOut marks a contact opted out of marketing messages, or back in.
func (s *Service) SetOptOut(ctx context.Context, contactID int64, out bool) (Contact, error) {
	if _, err := s.Contact(ctx, contactID); err != nil {
		return Contact{}, err
	}
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE contacts SET opted_out = ?, updated_at = ? WHERE id = ?`, out, store.Millis(s.now()), contactID)
		return err
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Contact(ctx, contactID)
}

// OptOutHook marks the contact opted out when an inbound text is exactly
// one of keywords (ignoring case, accents, spaces and punctuation), so
// "Stop", "sair." and "SAÍR" opt out but "stop sending me promos?" is read
// by a person.
func OptOutHook(keywords []string) InboundHook {
	set := map[string]bool{}
	for _, k := range keywords {
		set[foldKeyword(k)] = true
	}
	return func(ctx context.Context, tx store.Tx, ev InboundEvent) error {
		if ev.Message.Type != "text" || !set[foldKeyword(ev.Message.Summary)] {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE contacts SET opted_out = ? WHERE id = ?`, true, ev.ContactID)
		return err
	}
}

// foldKeyword upper-cases, strips accents and drops everything but letters
// and digits.
func foldKeyword(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}
