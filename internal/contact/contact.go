package contact

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Contact is a customer as the team keeps them.
type Contact struct {
	ID    int64  `json:"id"`
	WAID  string `json:"wa_id"`
	Phone string `json:"phone"` // E.164
	// Name is the team's name for the contact; ProfileName is the one the
	// customer set on WhatsApp (Meta sends it with each message).
	Name        string            `json:"name"`
	ProfileName string            `json:"profile_name"`
	Tags        []string          `json:"tags"`
	Fields      map[string]string `json:"fields"`
	// OptedOut contacts get no marketing templates.
	OptedOut      bool      `json:"opted_out"`
	NotOnWhatsApp bool      `json:"not_on_whatsapp"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// DisplayName is what pages call the contact: the team's name, else the
// WhatsApp profile name, else the number.
func (c Contact) DisplayName() string {
	switch {
	case c.Name != "":
		return c.Name
	case c.ProfileName != "":
		return c.ProfileName
	}
	return c.Phone
}

// Service reads and changes contacts.
type Service struct {
	db  store.DB
	now func() time.Time
}

// New builds a Service; now is the clock (time.Now when nil).
func New(db store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

const columns = `k.id, k.wa_id, k.phone, k.name, k.profile_name, k.opted_out, k.not_on_whatsapp, k.created_at, k.updated_at`

func scan(row store.Row) (Contact, error) {
	var c Contact
	var created, updated int64
	err := row.Scan(&c.ID, &c.WAID, &c.Phone, &c.Name, &c.ProfileName, &c.OptedOut, &c.NotOnWhatsApp, &created, &updated)
	c.CreatedAt, c.UpdatedAt = store.Time(created), store.Time(updated)
	c.Tags, c.Fields = []string{}, map[string]string{}
	return c, err
}

// Get returns one contact with its tags and fields.
func (s *Service) Get(ctx context.Context, id int64) (Contact, error) {
	return get(ctx, s.db.Read(), id)
}

func get(ctx context.Context, q store.Querier, id int64) (Contact, error) {
	c, err := scan(q.QueryRow(ctx, `SELECT `+columns+` FROM contacts k WHERE k.id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return c, apperr.NotFound("contact")
	}
	if err != nil {
		return c, err
	}
	list := []Contact{c}
	if err := fillExtras(ctx, q, list); err != nil {
		return c, err
	}
	return list[0], nil
}

// Filter narrows List and Export.
type Filter struct {
	// Query finds contacts whose name, profile name or number contains it
	// (ignoring case; a number's spaces and dashes too), or who carry it as
	// a tag.
	Query string
	// Tag keeps contacts with this tag (ignoring case).
	Tag string
	// Phone keeps the contact with this E.164 number.
	Phone string
	// VisibleTo, when not 0, keeps the contacts that user may see with
	// chats restricted to their agent: no conversation of the contact is
	// assigned to someone else (a customer with no chat is anyone's, as
	// for sends).
	VisibleTo int64
	Limit     int
	Offset    int
}

// hiddenFrom is the condition that keeps a contact away from a restricted
// user: one of its conversations belongs to another agent.
const hiddenFrom = `EXISTS (SELECT 1 FROM conversations cv WHERE cv.contact_id = k.id AND cv.assigned_user_id NOT IN (0, ?))`

// VisibleTo reports whether contact id may be seen by user with chats
// restricted to their agent (see Filter.VisibleTo).
func (s *Service) VisibleTo(ctx context.Context, id, user int64) (bool, error) {
	var hidden bool
	err := s.db.Read().QueryRow(ctx, `SELECT `+hiddenFrom+` FROM contacts k WHERE k.id = ?`, user, id).Scan(&hidden)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return !hidden, err
}

// Page is one page of List.
type Page struct {
	Contacts []Contact `json:"contacts"`
	// HasMore says a next page exists (Offset + Limit).
	HasMore bool `json:"has_more"`
}

// MaxLimit bounds a page of List.
const MaxLimit = 500

// List returns one page of contacts, newest first.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxLimit)
	where, args := f.where(s.db.Dialect())
	q := `SELECT ` + columns + ` FROM contacts k` + where + ` ORDER BY k.id DESC LIMIT ? OFFSET ?`
	args = append(args, limit+1, max(f.Offset, 0))
	list, err := query(ctx, s.db.Read(), q, args...)
	if err != nil {
		return Page{}, err
	}
	p := Page{Contacts: list}
	if len(list) > limit {
		p.Contacts, p.HasMore = list[:limit], true
	}
	return p, fillExtras(ctx, s.db.Read(), p.Contacts)
}

// where is the filter's WHERE clause (with a leading space) and its
// arguments. On SQLite a text of three characters or more is looked up in
// the trigram index of names and numbers (contact_search) instead of
// reading every contact; shorter texts, and PostgreSQL, read the table.
func (f Filter) where(d store.Dialect) (string, []any) {
	var conds []string
	var args []any
	const tagged = `k.id IN (SELECT contact_id FROM contact_tags WHERE LOWER(tag) = LOWER(?))`
	if f.Phone != "" {
		conds, args = append(conds, `k.phone = ?`), append(args, f.Phone)
	}
	if tag := strings.TrimSpace(f.Tag); tag != "" {
		conds, args = append(conds, tagged), append(args, tag)
	}
	if f.VisibleTo != 0 {
		conds, args = append(conds, `NOT `+hiddenFrom), append(args, f.VisibleTo)
	}
	if text := strings.TrimSpace(f.Query); text != "" {
		var alts []string
		indexed := d == store.SQLite && utf8.RuneCountInString(text) >= 3
		like := "%" + escapeLike(strings.ToLower(text)) + "%"
		if indexed {
			// The contacts of the last second or so are not indexed yet
			// (store.IndexSearch): they are read directly.
			alts = append(alts, `k.id IN (SELECT rowid FROM contact_search WHERE contact_search MATCH ?)`,
				`(k.id > (SELECT indexed_to FROM search_progress WHERE name = 'contacts')
					AND (LOWER(k.name) LIKE ? ESCAPE '\' OR LOWER(k.profile_name) LIKE ? ESCAPE '\' OR k.phone LIKE ? ESCAPE '\'))`)
			args = append(args, `"`+strings.ReplaceAll(text, `"`, `""`)+`"`, like, like, like)
		} else {
			alts = append(alts, `LOWER(k.name) LIKE ? ESCAPE '\'`, `LOWER(k.profile_name) LIKE ? ESCAPE '\'`)
			args = append(args, like, like)
		}
		alts, args = append(alts, tagged), append(args, text)
		// A number typed with spaces or dashes: its digits (the index
		// holds the number as +5511988887777).
		if digits := phoneDigits(text); digits != "" && (!indexed || digits != strings.TrimPrefix(text, "+")) {
			alts, args = append(alts, `k.phone LIKE ?`), append(args, "%"+digits+"%")
		}
		conds = append(conds, "("+strings.Join(alts, " OR ")+")")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// phoneDigits returns the digits of text when it reads as (part of) a
// phone number: digits with optional +, spaces, dashes, dots and
// parentheses. Otherwise "".
func phoneDigits(text string) string {
	var b strings.Builder
	for _, r := range text {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune("+-.() ", r):
		default:
			return ""
		}
	}
	return b.String()
}

// escapeLike makes a search text match literally inside LIKE … ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func query(ctx context.Context, q store.Querier, sql string, args ...any) ([]Contact, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// fillExtras loads the tags and fields of list (one query each).
func fillExtras(ctx context.Context, q store.Querier, list []Contact) error {
	if len(list) == 0 {
		return nil
	}
	at := make(map[int64]*Contact, len(list))
	ids := make([]any, len(list))
	lo, hi := list[0].ID, list[0].ID
	for i := range list {
		at[list[i].ID], ids[i] = &list[i], list[i].ID
		lo, hi = min(lo, list[i].ID), max(hi, list[i].ID)
	}
	// A page of an export is a run of ids: a range reads it faster than a
	// list of hundreds (which PostgreSQL plans slowly); rows of contacts
	// not in list are skipped.
	in, args := `IN (`+store.List(len(ids))+`)`, ids
	if hi-lo < int64(2*len(list)) {
		in, args = `BETWEEN ? AND ?`, []any{lo, hi}
	}
	rows, err := q.Query(ctx, `SELECT contact_id, tag FROM contact_tags WHERE contact_id `+in+` ORDER BY contact_id, LOWER(tag), tag`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			rows.Close()
			return err
		}
		if c := at[id]; c != nil {
			c.Tags = append(c.Tags, tag)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT contact_id, name, value FROM contact_fields WHERE contact_id `+in, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var k, v string
		if err := rows.Scan(&id, &k, &v); err != nil {
			return err
		}
		if c := at[id]; c != nil {
			c.Fields[k] = v
		}
	}
	return rows.Err()
}
