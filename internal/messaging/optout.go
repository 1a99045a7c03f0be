package messaging

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
)

// DefaultOptOutKeywords stop marketing messages to a contact (F17). PARAR
// also matches the "Parar promoções" button of Meta's marketing templates.
var DefaultOptOutKeywords = []string{"STOP", "SAIR", "PARAR"}

// optOutKey is the settings section of the opt-out keywords.
const optOutKey = "opt_out"

// OptOutSettings are the keywords that opt a contact out of marketing
// messages when a customer sends one of them as the whole message, or taps
// a button that says one (OptOutHook).
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

// SetOptOut marks a contact opted out of marketing messages, or back in,
// and records the change in the contact's opt-out history (as an API
// change by nobody in particular; contact.Service.SetOptOut names who).
func (s *Service) SetOptOut(ctx context.Context, contactID int64, out bool) (Contact, error) {
	if _, err := s.Contact(ctx, contactID); err != nil {
		return Contact{}, err
	}
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE contacts SET opted_out = ?, updated_at = ? WHERE id = ? AND opted_out = ?`, out, store.Millis(s.now()), contactID, !out)
		if err != nil || n == 0 {
			return err
		}
		return contact.RecordOptOut(ctx, tx, contactID, !out, out, contact.Actor{Source: contact.SourceAPI}, "", s.now())
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Contact(ctx, contactID)
}

// OptOutHook marks the contact opted out when an inbound message asks to
// stop, matched against the opt-out keywords (read from the settings,
// cached, so a change applies to the next message):
//   - a typed text that is exactly one keyword (ignoring case, accents,
//     spaces and punctuation): "Stop", "sair." and "SAÍR" opt out, but
//     "stop sending me promos?" is read by a person;
//   - a tapped button (a template's quick reply: button.text/payload; an
//     interactive reply: button_reply.title/id) whose text or payload is a
//     keyword or contains one as whole words: "Parar promoções" opts out
//     with PARAR, as "Stop promotions" does with STOP. A button's words are
//     the business's own, offered to be tapped, so a keyword in them is an
//     answer and not a sentence that merely mentions it.
func (s *Service) OptOutHook() InboundHook {
	return func(ctx context.Context, tx store.Tx, ev InboundEvent) error {
		typed, tapped := optOutCandidates(ev.Message)
		if typed == "" && len(tapped) == 0 {
			return nil
		}
		set, err := s.optOutSettings(ctx, tx)
		if err != nil {
			return err
		}
		if !s.foldedOptOut(set.Keywords).matches(typed, tapped) {
			return nil
		}
		n, err := tx.Exec(ctx, `UPDATE contacts SET opted_out = ? WHERE id = ? AND opted_out = ?`, true, ev.ContactID, false)
		if err != nil || n == 0 {
			return err // already opted out: nothing changed, nothing to record
		}
		said := typed // what the customer said, for the history
		for _, t := range tapped {
			if said == "" {
				said = t
			}
		}
		return contact.RecordOptOut(ctx, tx, ev.ContactID, false, true, contact.Actor{Source: contact.SourceKeyword}, said, s.now())
	}
}

// optOutCandidates returns what a message says that may be an opt-out: the
// typed text, or a tapped button's text and payload.
func optOutCandidates(m Message) (typed string, tapped []string) {
	switch m.Type {
	case "text":
		return m.Summary, nil
	case "button":
		var b struct{ Text, Payload string }
		if json.Unmarshal(m.Content, &b) == nil {
			return "", []string{b.Text, b.Payload}
		}
	case "interactive":
		var in struct {
			ButtonReply *struct{ ID, Title string } `json:"button_reply"`
		}
		if json.Unmarshal(m.Content, &in) == nil && in.ButtonReply != nil {
			return "", []string{in.ButtonReply.Title, in.ButtonReply.ID}
		}
	}
	return "", nil
}

// optOutKeywords is a keyword list folded once (foldKeyword, foldWords):
// matching runs on the processing writer for every inbound message, so
// the keywords are not folded again for each one.
type optOutKeywords struct {
	source  []string   // the list as saved
	keys    []string   // foldKeyword of each keyword that has one
	words   [][]string // foldWords of the same keywords
	longest int        // runes in the longest of keys
}

func foldOptOutKeywords(keywords []string) *optOutKeywords {
	k := &optOutKeywords{source: keywords}
	for _, kw := range keywords {
		if fk := foldKeyword(kw); fk != "" {
			k.keys, k.words = append(k.keys, fk), append(k.words, foldWords(kw))
			k.longest = max(k.longest, utf8.RuneCountInString(fk))
		}
	}
	return k
}

// foldedOptOut returns keywords folded, reusing the last fold while the
// saved list is the same.
func (s *Service) foldedOptOut(keywords []string) *optOutKeywords {
	if k := s.optOutFolded.Load(); k != nil && slices.Equal(k.source, keywords) {
		return k
	}
	k := foldOptOutKeywords(keywords)
	s.optOutFolded.Store(k)
	return k
}

// matches reports whether typed is exactly a keyword, or one of tapped is
// a keyword or holds one as whole words.
func (k *optOutKeywords) matches(typed string, tapped []string) bool {
	folded := ""
	if !foldsLonger(typed, k.longest) {
		folded = foldKeyword(typed)
	}
	tappedKeys := make([]string, len(tapped))
	tappedWords := make([][]string, len(tapped))
	for i, t := range tapped {
		tappedKeys[i], tappedWords[i] = foldKeyword(t), foldWords(t)
	}
	for i, fk := range k.keys {
		if folded == fk {
			return true
		}
		for j := range tapped {
			if tappedKeys[j] == fk || containsWords(tappedWords[j], k.words[i]) {
				return true
			}
		}
	}
	return false
}

// foldsLonger reports whether foldKeyword(s) surely has more than n runes,
// without folding s: most messages are sentences, far longer than any
// keyword, and folding one (Unicode decomposition) cost more than the rest
// of the match. Each letter or digit of s folds to at least one letter or
// digit (TestEveryLetterFoldsToALetter checks every rune), so counting
// them is a lower bound.
func foldsLonger(s string, n int) bool {
	count := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if count++; count > n {
				return true
			}
		}
	}
	return false
}

// containsWords reports whether sub appears in words as a run of whole
// words.
func containsWords(words, sub []string) bool {
	for i := 0; len(sub) > 0 && i+len(sub) <= len(words); i++ {
		if slices.Equal(words[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// foldWords splits s into words of letters and digits, folded as
// foldKeyword folds them ("STOP_PROMOS" is STOP, PROMOS).
func foldWords(s string) []string {
	return strings.FieldsFunc(foldSpaced(s), func(r rune) bool { return r == ' ' })
}

// foldKeyword upper-cases, strips accents and drops everything but letters
// and digits.
func foldKeyword(s string) string {
	return strings.ReplaceAll(foldSpaced(s), " ", "")
}

// foldSpaced upper-cases and strips accents, and turns everything but
// letters and digits into spaces.
func foldSpaced(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToUpper(r))
		default:
			b.WriteRune(' ')
		}
	}
	return b.String()
}
