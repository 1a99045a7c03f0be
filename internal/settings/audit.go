package settings

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/store"
)

// AuditEntry is one line of a settings page's audit trail: who changed
// which section, what changed, and when.
type AuditEntry struct {
	ID      int64  `json:"id"`
	Section string `json:"section"`
	UserID  int64  `json:"user_id"`
	// UserName is the user's name (or email) at read time; "" when the
	// user no longer exists.
	UserName  string    `json:"user_name"`
	Summary   string    `json:"summary"`
	CreatedAt time.Time `json:"created_at"`
}

// maxSummary bounds a stored summary: a long keyword list must not make
// the audit table grow without limit.
const maxSummary = 1000

// RecordChange appends an audit line for section. It is written after the
// section itself is saved (by the owning service), so a failed save leaves
// no line and a line always describes a change that happened.
func (s *Store) RecordChange(ctx context.Context, section string, userID int64, summary string) error {
	summary = clip(summary, maxSummary)
	return s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings_audit (section, user_id, summary, created_at) VALUES (?, ?, ?, ?)`,
			section, userID, summary, store.Millis(s.now()))
		if err != nil {
			return fmt.Errorf("settings: audit %s: %w", section, err)
		}
		return nil
	})
}

// Changes returns the latest limit audit lines of section, newest first.
// The user's name is read from the users table so a renamed user shows
// under their current name.
func (s *Store) Changes(ctx context.Context, section string, limit int) ([]AuditEntry, error) {
	return s.Log(ctx, AuditFilter{Section: section, Limit: limit})
}

// scanAudit runs an audit query whose columns are an AuditEntry's.
func (s *Store) scanAudit(ctx context.Context, q string, args ...any) ([]AuditEntry, error) {
	rows, err := s.db.Read().Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("settings: read audit: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.Section, &e.UserID, &e.UserName, &e.Summary, &at); err != nil {
			return nil, err
		}
		e.CreatedAt = store.Time(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Diff describes what changed between two values of a section, field by
// field in JSON names ("restart_after_hours: 0 → 4; stop_keywords: stop →
// stop, cancel"), for an audit line. Fields named in secret are reported
// as changed without their values, so a key never lands in the audit
// table. It returns "" when nothing changed.
func Diff(before, after any, secret ...string) string {
	b, a := flatten(before), flatten(after)
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		if b[k] == a[k] {
			continue
		}
		if slices.Contains(secret, k) {
			parts = append(parts, k+" changed")
			continue
		}
		parts = append(parts, k+": "+clip(orNone(b[k]), 120)+" → "+clip(orNone(a[k]), 120))
	}
	return strings.Join(parts, "; ")
}

// flatten renders each top-level JSON field of v as text: lists joined by
// ", ", strings bare, everything else as JSON.
func flatten(v any) map[string]string {
	out := map[string]string{}
	raw, err := json.Marshal(v)
	if err != nil {
		return out
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return out
	}
	for k, f := range fields {
		var list []any
		var s string
		switch {
		case json.Unmarshal(f, &s) == nil:
			out[k] = s
		case json.Unmarshal(f, &list) == nil:
			items := make([]string, len(list))
			for i, it := range list {
				if str, ok := it.(string); ok {
					items[i] = str
				} else {
					j, _ := json.Marshal(it)
					items[i] = string(j)
				}
			}
			out[k] = strings.Join(items, ", ")
		default:
			out[k] = string(f)
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// clip shortens s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// AuditFilter narrows Log. Zero fields match everything.
type AuditFilter struct {
	Section string
	UserID  int64
	// Before pages back: only lines with a smaller id.
	Before int64
	Limit  int // 50 when 0; at most 200
}

// Log returns audit lines of every section (settings, flows, users, API
// keys), newest first, for the audit log page and API.
func (s *Store) Log(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q := `SELECT a.id, a.section, a.user_id, COALESCE(NULLIF(u.name, ''), u.email, ''), a.summary, a.created_at
		FROM settings_audit a LEFT JOIN users u ON u.id = a.user_id WHERE 1 = 1`
	var args []any
	if f.Section != "" {
		q += ` AND a.section = ?`
		args = append(args, f.Section)
	}
	if f.UserID > 0 {
		q += ` AND a.user_id = ?`
		args = append(args, f.UserID)
	}
	if f.Before > 0 {
		q += ` AND a.id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY a.id DESC LIMIT ?`
	args = append(args, f.Limit)
	return s.scanAudit(ctx, q, args...)
}

// AuditSections lists the sections that have audit lines, for a filter.
func (s *Store) AuditSections(ctx context.Context) ([]string, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT DISTINCT section FROM settings_audit ORDER BY section`)
	if err != nil {
		return nil, fmt.Errorf("settings: read audit sections: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var sec string
		if err := rows.Scan(&sec); err != nil {
			return nil, err
		}
		out = append(out, sec)
	}
	return out, rows.Err()
}
