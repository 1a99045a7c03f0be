package messaging

import (
	"context"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// DefaultOptOutKeywords stop marketing messages to a contact (F17).
var DefaultOptOutKeywords = []string{"STOP", "SAIR"}

// optOutKey is the settings section of the opt-out keywords.
const optOutKey = "opt_out"

// OptOutSettings are the keywords that opt a contact out of marketing
// messages when a customer sends one of them as the whole message.
type OptOutSettings struct {
	Keywords []string `json:"keywords"`
}

// OptOutSettings returns the opt-out keywords (the defaults until saved).
func (s *Service) OptOutSettings(ctx context.Context) (OptOutSettings, error) {
	return s.optOutSettings(ctx, nil)
}

func (s *Service) optOutSettings(ctx context.Context, q store.Querier) (OptOutSettings, error) {
	return settings.Get(ctx, s.settings, q, optOutKey, OptOutSettings{Keywords: DefaultOptOutKeywords})
}

// UpdateOptOutSettings validates and saves the keywords; the next inbound
// message is matched against them.
func (s *Service) UpdateOptOutSettings(ctx context.Context, in OptOutSettings) (OptOutSettings, error) {
	if in.Keywords == nil {
		return OptOutSettings{}, apperr.Invalid("keywords", "invalid_settings", "keywords is required (an empty list turns keyword opt-out off)")
	}
	if len(in.Keywords) > 50 {
		return OptOutSettings{}, apperr.Invalid("keywords", "invalid_settings", "at most 50 keywords")
	}
	out := OptOutSettings{Keywords: []string{}}
	for i, k := range in.Keywords {
		k = strings.TrimSpace(k)
		if foldKeyword(k) == "" || len(k) > 40 {
			return OptOutSettings{}, apperr.Invalid("keywords["+strconv.Itoa(i)+"]", "invalid_settings",
				"a keyword needs a letter or digit and at most 40 characters")
		}
		out.Keywords = append(out.Keywords, k)
	}
	if err := settings.Put(ctx, s.settings, optOutKey, out); err != nil {
		return OptOutSettings{}, err
	}
	return out, nil
}

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
// one of the opt-out keywords (ignoring case, accents, spaces and
// punctuation), so "Stop", "sair." and "SAÍR" opt out but "stop sending me
// promos?" is read by a person. The keywords are read from the settings
// (cached), so a change applies to the next message.
func (s *Service) OptOutHook() InboundHook {
	return func(ctx context.Context, tx store.Tx, ev InboundEvent) error {
		if ev.Message.Type != "text" {
			return nil
		}
		set, err := s.optOutSettings(ctx, tx)
		if err != nil {
			return err
		}
		folded := foldKeyword(ev.Message.Summary)
		for _, k := range set.Keywords {
			if folded != "" && foldKeyword(k) == folded {
				_, err := tx.Exec(ctx, `UPDATE contacts SET opted_out = ? WHERE id = ?`, true, ev.ContactID)
				return err
			}
		}
		return nil
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
