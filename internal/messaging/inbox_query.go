package messaging

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/store"
)

// Inbox list filters (the ?filter= of the inbox).
const (
	FilterAll        = "all"        // every open conversation the viewer may see
	FilterMine       = "mine"       // open and assigned to the viewer
	FilterUnassigned = "unassigned" // open and assigned to nobody
	FilterResolved   = "resolved"   // resolved, most recently resolved first
)

// InboxFilter chooses one page of the inbox list.
type InboxFilter struct {
	Viewer Viewer
	Filter string // one of Filter*; "" is FilterAll
	Query  string // matches the contact's name, number or a message's text
	Limit  int
}

// InboxItem is one row of the inbox list: who, the latest message, what
// is unread, the window and the owner.
type InboxItem struct {
	ID              int64
	ContactPhone    string
	ContactName     string
	LastMessageAt   time.Time
	WindowExpiresAt time.Time
	WindowOpen      bool
	AssignedUserID  int64
	AssignedName    string
	Resolved        bool
	Preview         string // the latest message's summary
	Unread          int    // inbound messages after the team last read the chat
}

// maxUnread caps the count of unread messages a row shows ("99+"): the
// count stops there, so a chat with thousands unread costs no more.
const maxUnread = 100

// Inbox returns one page of the inbox list, newest activity first, in one
// query whatever the page size: the preview and the unread count are
// correlated subqueries on indexes, evaluated for the page's rows only.
func (s *Service) Inbox(ctx context.Context, f InboxFilter) ([]InboxItem, error) {
	now := s.now()
	q := `SELECT c.id, k.phone, ` + contactNameColumn + `, c.last_message_at, c.window_expires_at, c.assigned_user_id,
		COALESCE(CASE WHEN u.name = '' THEN u.email ELSE u.name END, ''), c.resolved_at,
		COALESCE((SELECT m.summary FROM messages m WHERE m.conversation_id = c.id ORDER BY m.occurred_at DESC, m.id DESC LIMIT 1), ''),
		(SELECT COUNT(*) FROM (SELECT 1 AS one FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in'
			AND m.id > c.last_read_message_id LIMIT ` + strconv.Itoa(maxUnread) + `) unread)`
	from := ` FROM conversations c`
	var args []any
	if text := strings.TrimSpace(f.Query); text != "" {
		from, args = searchHits(s.db.Dialect(), text)
	}
	q += from + ` JOIN contacts k ON k.id = c.contact_id LEFT JOIN users u ON u.id = c.assigned_user_id WHERE `
	order := ` ORDER BY c.last_message_at DESC, c.id DESC`
	switch f.Filter {
	case FilterResolved:
		q += `c.resolved_at > 0`
		order = ` ORDER BY c.resolved_at DESC, c.id DESC`
	case FilterMine:
		q += `c.resolved_at = 0 AND c.assigned_user_id = ?`
		args = append(args, f.Viewer.UserID)
	case FilterUnassigned:
		q += `c.resolved_at = 0 AND c.assigned_user_id = 0`
	default:
		q += `c.resolved_at = 0`
	}
	cond, cargs := f.Viewer.where()
	q += cond
	args = append(args, cargs...)
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q += order + ` LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.Read().Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := []InboxItem{}
	for rows.Next() {
		var it InboxItem
		var last, expires, resolved int64
		if err := rows.Scan(&it.ID, &it.ContactPhone, &it.ContactName, &last, &expires, &it.AssignedUserID, &it.AssignedName,
			&resolved, &it.Preview, &it.Unread); err != nil {
			return nil, err
		}
		it.LastMessageAt, it.WindowExpiresAt = store.Time(last), store.Time(expires)
		it.WindowOpen, it.Resolved = expires > store.Millis(now), resolved > 0
		items = append(items, it)
	}
	return items, rows.Err()
}

// searchHits is the FROM clause, with its arguments, that keeps the
// conversations whose contact's name or number, or one of whose messages,
// contains text (case-insensitively). A search starts from what
// matches and sorts only that: walking the list in order and probing each
// conversation would touch every row for a rare word. On SQLite the
// trigram indexes (message_search, contact_search) find texts of three
// characters or more, and the rows of the last second or so, which the
// background indexer has not reached yet (store.IndexSearch), are read
// directly; shorter texts read the tables once. On PostgreSQL the same
// LIKE conditions are served by pg_trgm indexes where the server has the
// extension (migration 42), else they read the tables too.
func searchHits(d store.Dialect, text string) (from string, args []any) {
	like := "%" + escapeLike(strings.ToLower(text)) + "%"
	if d == store.SQLite && utf8.RuneCountInString(text) >= 3 {
		// A trigram MATCH of a quoted phrase is a case-insensitive
		// substring search over every column. CROSS JOIN keeps the
		// matches as the outer loop (SQLite would rather walk the list
		// in order to skip the sort).
		phrase := `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
		return ` FROM (SELECT s.id FROM conversations s WHERE s.contact_id IN (SELECT rowid FROM contact_search WHERE contact_search MATCH ?)
			UNION SELECT s.id FROM conversations s WHERE s.contact_id IN (SELECT sk.id FROM contacts sk
				WHERE sk.id > (SELECT indexed_to FROM search_progress WHERE name = 'contacts')
				AND (LOWER(sk.name) LIKE ? ESCAPE '\' OR LOWER(sk.profile_name) LIKE ? ESCAPE '\' OR sk.phone LIKE ? ESCAPE '\'))
			UNION SELECT m.conversation_id FROM messages m WHERE m.id IN (SELECT rowid FROM message_search WHERE message_search MATCH ?)
			UNION SELECT m.conversation_id FROM messages m
				WHERE m.id > (SELECT indexed_to FROM search_progress WHERE name = 'messages') AND LOWER(m.summary) LIKE ? ESCAPE '\') hit
			CROSS JOIN conversations c ON c.id = hit.id`, []any{phrase, like, like, like, phrase, like}
	}
	return ` FROM (SELECT s.id FROM conversations s JOIN contacts sk ON sk.id = s.contact_id
			WHERE LOWER(sk.name) LIKE ? ESCAPE '\' OR LOWER(sk.profile_name) LIKE ? ESCAPE '\' OR sk.phone LIKE ? ESCAPE '\'
		UNION SELECT m.conversation_id FROM messages m WHERE LOWER(m.summary) LIKE ? ESCAPE '\') hit
		JOIN conversations c ON c.id = hit.id`, []any{like, like, like, like}
}

// escapeLike makes a search text match literally inside LIKE … ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ChatState is what the chat header shows besides the contact: the owner
// and whether the conversation is resolved.
type ChatState struct {
	AssignedUserID int64
	AssignedName   string
	ResolvedAt     time.Time // zero when open
}

// ChatState reads conversation id's owner and resolution.
func (s *Service) ChatState(ctx context.Context, id int64) (ChatState, error) {
	var st ChatState
	var resolved int64
	err := s.db.Read().QueryRow(ctx, `SELECT c.assigned_user_id, COALESCE(CASE WHEN u.name = '' THEN u.email ELSE u.name END, ''), c.resolved_at
		FROM conversations c LEFT JOIN users u ON u.id = c.assigned_user_id WHERE c.id = ?`, id).Scan(&st.AssignedUserID, &st.AssignedName, &resolved)
	if resolved > 0 {
		st.ResolvedAt = store.Time(resolved)
	}
	return st, err
}
