package lead

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Filter selects leads for List. Zero fields match everything.
type Filter struct {
	Status Status // one status
	// Open keeps open leads only (any status but closed).
	Open     bool
	SourceID int64
	// AgentID keeps the leads assigned to that user; Unassigned keeps
	// those assigned to nobody.
	AgentID    int64
	Unassigned bool
	// VisibleTo, when not 0, keeps what that user may see with chats
	// restricted to their agent: the leads assigned to them and the
	// unassigned ones (the rule of messaging.Viewer, applied to leads).
	VisibleTo int64
	Tag       string
	ContactID int64
	// Search matches the contact's name or phone (contains, any case).
	Search string
	// From and To bound the creation time: From ≤ created_at < To.
	From, To time.Time
	// Limit is the page size (default 50, at most 500); Offset skips.
	Limit, Offset int
}

// Page is one page of a List, with the number of leads that match in all.
type Page struct {
	Leads []Lead `json:"leads"`
	Total int    `json:"total"`
}

const (
	defaultLimit = 50
	maxLimit     = 500
)

const leadColumns = `l.id, l.contact_id, c.profile_name, c.phone, l.status, COALESCE(l.source_id, 0), COALESCE(s.name, ''),
	COALESCE(l.assigned_user_id, 0), COALESCE(CASE WHEN u.name = '' THEN u.email ELSE u.name END, ''),
	l.notes, l.fields, l.automatic, l.created_at, l.updated_at,
	COALESCE((SELECT cv.id FROM conversations cv WHERE cv.contact_id = l.contact_id ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 1), 0)`

const leadFrom = ` FROM leads l JOIN contacts c ON c.id = l.contact_id
	LEFT JOIN lead_sources s ON s.id = l.source_id LEFT JOIN users u ON u.id = l.assigned_user_id`

// where renders f as SQL conditions with their arguments.
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if f.Status != "" {
		add(`l.status = ?`, string(f.Status))
	}
	if f.Open {
		add(`l.status <> ?`, string(StatusClosed))
	}
	if f.SourceID != 0 {
		add(`l.source_id = ?`, f.SourceID)
	}
	if f.AgentID != 0 {
		add(`l.assigned_user_id = ?`, f.AgentID)
	}
	if f.Unassigned {
		add(`l.assigned_user_id IS NULL`)
	}
	if f.VisibleTo != 0 {
		add(`(l.assigned_user_id IS NULL OR l.assigned_user_id = ?)`, f.VisibleTo)
	}
	if f.Tag != "" {
		add(`EXISTS (SELECT 1 FROM lead_tags t WHERE t.lead_id = l.id AND t.tag = ?)`, f.Tag)
	}
	if f.ContactID != 0 {
		add(`l.contact_id = ?`, f.ContactID)
	}
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		like := "%" + escapeLike(q) + "%"
		add(`(LOWER(c.profile_name) LIKE ? ESCAPE '\' OR c.phone LIKE ? ESCAPE '\')`, like, like)
	}
	if !f.From.IsZero() {
		add(`l.created_at >= ?`, store.Millis(f.From))
	}
	if !f.To.IsZero() {
		add(`l.created_at < ?`, store.Millis(f.To))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// List returns the leads f selects, newest first, with their total.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	if f.Status != "" && !f.Status.Valid() {
		return Page{}, apperr.Invalid("status", "invalid_status", "status must be one of new, in_progress, contacted, qualified, closed")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	where, args := f.where()
	q := s.db.Read()
	var page Page
	if err := q.QueryRow(ctx, `SELECT COUNT(*)`+leadFrom+where, args...).Scan(&page.Total); err != nil {
		return Page{}, err
	}
	leads, err := s.query(ctx, q, `SELECT `+leadColumns+leadFrom+where+` ORDER BY l.created_at DESC, l.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return Page{}, err
	}
	page.Leads = leads
	return page, nil
}

// Get returns lead id.
func (s *Service) Get(ctx context.Context, id int64) (Lead, error) {
	return s.get(ctx, s.db.Read(), id)
}

// OpenLead returns contact's open lead; apperr not_found when it has none.
func (s *Service) OpenLead(ctx context.Context, contactID int64) (Lead, error) {
	return s.openLead(ctx, s.db.Read(), contactID)
}

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (Lead, error) {
	return s.one(ctx, q, `SELECT `+leadColumns+leadFrom+` WHERE l.id = ?`, id)
}

func (s *Service) openLead(ctx context.Context, q store.Querier, contactID int64) (Lead, error) {
	return s.one(ctx, q, `SELECT `+leadColumns+leadFrom+` WHERE l.contact_id = ? AND l.status <> ?`, contactID, string(StatusClosed))
}

func (s *Service) one(ctx context.Context, q store.Querier, query string, args ...any) (Lead, error) {
	leads, err := s.query(ctx, q, query, args...)
	if err != nil {
		return Lead{}, err
	}
	if len(leads) == 0 {
		return Lead{}, errNotFound()
	}
	return leads[0], nil
}

// query runs a lead SELECT and fills in the tags.
func (s *Service) query(ctx context.Context, q store.Querier, query string, args ...any) ([]Lead, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out := []Lead{}
	byID := map[int64]int{}
	for rows.Next() {
		var l Lead
		var status, fields string
		var created, updated int64
		if err := rows.Scan(&l.ID, &l.ContactID, &l.ContactName, &l.ContactPhone, &status, &l.SourceID, &l.SourceName,
			&l.AgentID, &l.AgentName, &l.Notes, &fields, &l.Automatic, &created, &updated, &l.ConversationID); err != nil {
			rows.Close()
			return nil, err
		}
		l.Status = Status(status)
		l.Fields = map[string]string{}
		if err := json.Unmarshal([]byte(fields), &l.Fields); err != nil {
			rows.Close()
			return nil, err
		}
		l.Tags = []string{}
		l.CreatedAt, l.UpdatedAt = store.Time(created), store.Time(updated)
		byID[l.ID] = len(out)
		out = append(out, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]any, 0, len(out))
	for _, l := range out {
		ids = append(ids, l.ID)
	}
	trows, err := q.Query(ctx, `SELECT lead_id, tag FROM lead_tags WHERE lead_id IN (`+store.List(len(ids))+`) ORDER BY lead_id, tag`, ids...)
	if err != nil {
		return nil, err
	}
	defer trows.Close()
	for trows.Next() {
		var id int64
		var tag string
		if err := trows.Scan(&id, &tag); err != nil {
			return nil, err
		}
		i := byID[id]
		out[i].Tags = append(out[i].Tags, tag)
	}
	return out, trows.Err()
}

// isNotFound reports whether err is a missing row or a missing lead.
func isNotFound(err error) bool {
	if errors.Is(err, store.ErrNotFound) {
		return true
	}
	e, ok := apperr.As(err)
	return ok && e.Kind == apperr.KindNotFound
}
