package lead

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Bounds on what a lead holds, so one lead cannot grow without limit.
const (
	MaxNotes      = 10000 // characters
	MaxTags       = 50
	MaxTag        = 50 // characters
	MaxFields     = 50
	MaxFieldName  = 64   // characters
	MaxFieldValue = 1000 // characters
)

func errStatus(field string) error {
	return apperr.Invalid(field, "invalid_status", "status must be one of new, in_progress, contacted, qualified, closed")
}

// cleanTags trims tags, drops empty ones and duplicates, and checks the
// bounds.
func cleanTags(field string, tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTag {
			return nil, apperr.Invalid(field, "tag_too_long", "a tag has at most 50 characters")
		}
		out = append(out, t)
	}
	return out, nil
}

func checkNotes(notes string) error {
	if utf8.RuneCountInString(notes) > MaxNotes {
		return apperr.Invalid("notes", "notes_too_long", "notes have at most 10000 characters")
	}
	return nil
}

func checkField(name, value string) error {
	if name == "" || utf8.RuneCountInString(name) > MaxFieldName {
		return apperr.Invalid("fields", "invalid_field_name", "a custom field needs a name of 1 to 64 characters")
	}
	if utf8.RuneCountInString(value) > MaxFieldValue {
		return apperr.Invalid("fields", "field_too_long", "a custom field's value has at most 1000 characters")
	}
	return nil
}

// checkSource fails unless source id exists (0, no source, is fine).
func checkSource(ctx context.Context, q store.Querier, id int64) error {
	if id == 0 {
		return nil
	}
	var n int64
	err := q.QueryRow(ctx, `SELECT id FROM lead_sources WHERE id = ?`, id).Scan(&n)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.Invalid("source_id", "invalid_source", "choose a source from the list")
	}
	return err
}

// checkAgent fails unless user id is active (0, unassigned, is fine).
func checkAgent(ctx context.Context, q store.Querier, field string, id int64) error {
	if id == 0 {
		return nil
	}
	var ok bool
	err := q.QueryRow(ctx, `SELECT active FROM users WHERE id = ?`, id).Scan(&ok)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !ok) {
		return apperr.Invalid(field, "invalid_agent", "assign the lead to an active user")
	}
	return err
}

// nullID is id as a nullable column value (0 is NULL).
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
