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
	ID      int64
	Section string
	UserID  int64
	// UserName is the user's name (or email) at read time; "" when the
	// user no longer exists.
	UserName  string
	Summary   string
	CreatedAt time.Time
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
	rows, err := s.db.Read().Query(ctx, `SELECT a.id, a.section, a.user_id, COALESCE(NULLIF(u.name, ''), u.email, ''), a.summary, a.created_at
		FROM settings_audit a LEFT JOIN users u ON u.id = a.user_id
		WHERE a.section = ? ORDER BY a.id DESC LIMIT ?`, section, limit)
	if err != nil {
		return nil, fmt.Errorf("settings: read audit of %s: %w", section, err)
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
