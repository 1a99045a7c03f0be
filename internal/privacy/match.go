package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// subject is the contact a request is about, and what finds their rows.
type subject struct {
	contactID int64
	waID      string
	phone     string
	// numbers are the digits of the phone and the wa_id: the needles of
	// the mention search.
	numbers []string
	// wamids are the WhatsApp ids of their messages and of the webhook
	// events about them.
	wamids map[string]bool
}

// minNumberDigits keeps a malformed short number from matching every
// row that holds a few digits.
const minNumberDigits = 6

// wamidPattern finds WhatsApp message ids in free text.
var wamidPattern = regexp.MustCompile(`wamid\.[A-Za-z0-9+/=_\-]+`)

// loadSubject reads contact id (apperr not_found when there is none) and
// returns the matcher that finds their rows through q.
func loadSubject(ctx context.Context, q store.Querier, d store.Dialect, id int64) (*subject, *matcher, error) {
	s := &subject{contactID: id, wamids: map[string]bool{}}
	m := &matcher{q: q, d: d, s: s}
	err := q.QueryRow(ctx, `SELECT wa_id, phone FROM contacts WHERE id = ?`, id).Scan(&s.waID, &s.phone)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, apperr.NotFound("contact")
	}
	if err != nil {
		return nil, nil, err
	}
	for _, n := range []string{digits(s.waID), digits(s.phone)} {
		if len(n) >= minNumberDigits && !contains(s.numbers, n) {
			s.numbers = append(s.numbers, n)
		}
	}
	rows, err := q.Query(ctx, `SELECT wamid FROM messages WHERE wamid IS NOT NULL AND conversation_id IN `+convs, id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, nil, err
		}
		s.wamids[w] = true
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	// A status webhook for a message whose send was never recorded names
	// its wamid beside the customer's number: that wamid is theirs too.
	events, err := tableNamed("inbound_events")
	if err != nil {
		return nil, nil, err
	}
	err = m.each(ctx, events, nil, func(r row) error {
		for _, w := range wamidPattern.FindAllString(r.mentionText, -1) {
			s.wamids[w] = true
		}
		return nil
	})
	return s, m, err
}

// mentions reports whether text names the subject: one of their numbers
// standing alone (no digit right before or after it) or one of their
// wamids.
func (s *subject) mentions(text string) bool {
	for _, n := range s.numbers {
		for from := 0; ; {
			i := strings.Index(text[from:], n)
			if i < 0 {
				break
			}
			i += from
			end := i + len(n)
			if (i == 0 || !isDigit(text[i-1])) && (end == len(text) || !isDigit(text[end])) {
				return true
			}
			from = i + 1
		}
	}
	if len(s.wamids) > 0 && strings.Contains(text, "wamid.") {
		for _, w := range wamidPattern.FindAllString(text, -1) {
			if s.wamids[w] {
				return true
			}
		}
	}
	return false
}

// matcher finds a subject's rows, table by table. Matches read without
// columns are remembered: the webhook events, scanned whole for the
// subject's wamids, are not scanned again, and a child table (Parent)
// reuses its parent's keys.
type matcher struct {
	q    store.Querier
	d    store.Dialect
	s    *subject
	seen map[string][]row
}

// row is one matched row: its key, whether it is busy, the values of the
// columns asked for, and the text of its mention columns.
type row struct {
	key         any
	busy        bool
	vals        []any
	mentionText string
}

// each calls fn for every row of t that belongs to the subject, with the
// values of cols.
func (m *matcher) each(ctx context.Context, t Table, cols []string, fn func(row) error) error {
	if len(cols) == 0 {
		if rows, ok := m.seen[t.Name]; ok {
			for _, r := range rows {
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		}
		var rows []row
		if err := m.scan(ctx, t, nil, func(r row) error {
			rows = append(rows, r)
			return nil
		}); err != nil {
			return err
		}
		if m.seen == nil {
			m.seen = map[string][]row{}
		}
		m.seen[t.Name] = rows
		return m.each(ctx, t, nil, fn)
	}
	return m.scan(ctx, t, cols, fn)
}

// scan reads t's rows of the subject.
func (m *matcher) scan(ctx context.Context, t Table, cols []string, fn func(row) error) error {
	var linked string
	var linkedArgs []any
	switch {
	case t.Linked != "":
		linked = "(" + t.Linked + ")"
		for range strings.Count(t.Linked, "?") {
			linkedArgs = append(linkedArgs, m.s.contactID)
		}
	case t.Parent != "":
		parent, err := tableNamed(t.Parent)
		if err != nil {
			return err
		}
		pk, err := m.keysOf(ctx, parent)
		if err != nil {
			return err
		}
		linked = "1 = 0"
		if len(pk) > 0 {
			linked = ident(t.ParentColumn) + " IN (" + store.List(len(pk)) + ")"
			linkedArgs = pk
		}
	default:
		linked = "1 = 0"
	}
	prefilter := "1 = 0"
	var preArgs []any
	needles := m.s.numbers
	if t.WAMIDs && len(m.s.wamids) > 0 {
		needles = append(append([]string{}, needles...), "wamid.")
	}
	if len(t.Mentions) > 0 && len(needles) > 0 {
		var ors []string
		for _, c := range t.Mentions {
			for _, n := range needles {
				ors = append(ors, "CAST("+m.column(t, c)+" AS TEXT) LIKE ?")
				preArgs = append(preArgs, "%"+n+"%")
			}
		}
		prefilter = strings.Join(ors, " OR ")
	}
	busy := "1 = 0"
	if t.Busy != "" {
		busy = t.Busy
	}
	sel := []string{ident(t.Key), "CASE WHEN " + linked + " THEN 1 ELSE 0 END", "CASE WHEN " + busy + " THEN 1 ELSE 0 END"}
	for _, c := range t.Mentions {
		sel = append(sel, m.column(t, c))
	}
	for _, c := range cols {
		sel = append(sel, m.column(t, c))
	}
	query := "SELECT " + strings.Join(sel, ", ") + " FROM " + ident(t.Name) +
		" WHERE (" + linked + ") OR (" + prefilter + ") ORDER BY " + ident(t.Key)
	args := append(append(append([]any{}, linkedArgs...), linkedArgs...), preArgs...)
	rows, err := m.q.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("privacy: read %s: %w", t.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r row
		var isLinked, isBusy int64
		mention := make([]any, len(t.Mentions))
		vals := make([]any, len(cols))
		dest := []any{&r.key, &isLinked, &isBusy}
		for i := range mention {
			dest = append(dest, &mention[i])
		}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("privacy: read %s: %w", t.Name, err)
		}
		var texts []string
		for _, v := range mention {
			texts = append(texts, text(v))
		}
		r.mentionText = strings.Join(texts, "\n")
		if isLinked == 0 && !m.s.mentions(r.mentionText) {
			continue
		}
		r.busy, r.vals = isBusy != 0, vals
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// column is how a column of t is read: JSONB columns as JSON text.
func (m *matcher) column(t Table, c string) string {
	if t.JSONB && m.d == store.SQLite && contains(t.JSON, c) {
		return "json(" + ident(c) + ")"
	}
	return ident(c)
}

// keysOf returns the keys of t's rows of the subject.
func (m *matcher) keysOf(ctx context.Context, t Table) ([]any, error) {
	var keys []any
	err := m.each(ctx, t, nil, func(r row) error {
		keys = append(keys, r.key)
		return nil
	})
	return keys, err
}

func tableNamed(name string) (Table, error) {
	for _, t := range Tables {
		if t.Name == name {
			return t, nil
		}
	}
	return Table{}, fmt.Errorf("privacy: no table %q in Tables", name)
}

// text is a column value as text, whatever type the driver gave it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
