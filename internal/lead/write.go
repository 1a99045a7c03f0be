package lead

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
)

// ErrOpenLeadExists is returned when a contact already has an open lead
// (a contact has at most one).
var ErrOpenLeadExists = apperr.New(apperr.KindConflict, "open_lead_exists", "this contact already has an open lead: update it, or close it first")

// NewLead is a lead created by hand (the API); zero fields take the
// defaults: status new, no source, unassigned.
type NewLead struct {
	ContactID int64             `json:"contact_id"`
	Status    Status            `json:"status"`
	SourceID  int64             `json:"source_id"`
	AgentID   int64             `json:"agent_id"`
	Notes     string            `json:"notes"`
	Tags      []string          `json:"tags"`
	Fields    map[string]string `json:"fields"`
}

// Create opens a lead for a contact that has no open lead.
func (s *Service) Create(ctx context.Context, in NewLead, by Actor) (Lead, error) {
	if in.Status == "" {
		in.Status = StatusNew
	}
	if !in.Status.Valid() {
		return Lead{}, errStatus("status")
	}
	if !in.Status.Open() {
		return Lead{}, apperr.Invalid("status", "closed_new_lead", "a new lead cannot start closed")
	}
	var out Lead
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		var c int64
		err := tx.QueryRow(ctx, `SELECT id FROM contacts WHERE id = ?`, in.ContactID).Scan(&c)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.Invalid("contact_id", "invalid_contact", "no contact has this id")
		}
		if err != nil {
			return err
		}
		if err := checkSource(ctx, tx, in.SourceID); err != nil {
			return err
		}
		if err := checkAgent(ctx, tx, "agent_id", in.AgentID); err != nil {
			return err
		}
		id, created, err := s.insertOpen(ctx, tx, in.ContactID, in.Status, in.SourceID, false, by)
		if err != nil {
			return err
		}
		if !created {
			return ErrOpenLeadExists
		}
		ch := Change{Notes: &in.Notes, Tags: &in.Tags, Fields: in.Fields}
		if _, err := s.update(ctx, tx, id, ch, by); err != nil {
			return err
		}
		if in.AgentID != 0 {
			if _, err := s.assign(ctx, tx, id, in.AgentID, by); err != nil {
				return err
			}
		}
		out, err = s.get(ctx, tx, id)
		return err
	})
	return out, err
}

// insertOpen creates an open lead for contact in status unless the
// contact has one; created is false (and id 0) when it had. This is the
// only place leads are inserted: the partial unique index on open leads
// turns a concurrent or repeated creation into "nothing to do". A source
// that was removed meanwhile leaves the lead without one.
func (s *Service) insertOpen(ctx context.Context, tx store.Tx, contactID int64, status Status, sourceID int64, auto bool, by Actor) (id int64, created bool, err error) {
	now := store.Millis(s.now())
	err = tx.QueryRow(ctx, `INSERT INTO leads (contact_id, status, source_id, automatic, created_at, updated_at)
		VALUES (?, ?, (SELECT id FROM lead_sources WHERE id = ?), ?, ?, ?)
		ON CONFLICT (contact_id) WHERE status <> 'closed' DO NOTHING RETURNING id`,
		contactID, string(status), sourceID, auto, now, now).Scan(&id)
	if errors.Is(err, store.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if err := s.recordStatus(ctx, tx, id, "", status, by); err != nil {
		return 0, false, err
	}
	return id, true, nil
}

// Change is an edit of a lead; nil and empty fields leave things as they
// are.
type Change struct {
	Status *Status `json:"status,omitempty"`
	Notes  *string `json:"notes,omitempty"`
	// Tags replaces the tags; AddTags and RemoveTags edit them (after
	// Tags, when both are given).
	Tags       *[]string `json:"tags,omitempty"`
	AddTags    []string  `json:"add_tags,omitempty"`
	RemoveTags []string  `json:"remove_tags,omitempty"`
	// Fields merges into the custom fields; an empty value removes the
	// field.
	Fields map[string]string `json:"fields,omitempty"`
	// SourceID sets the source (0: none).
	SourceID *int64 `json:"source_id,omitempty"`
}

// Update applies ch to lead id and records a status change in the
// history.
func (s *Service) Update(ctx context.Context, id int64, ch Change, by Actor) (Lead, error) {
	var out Lead
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.update(ctx, tx, id, ch, by)
		return err
	})
	return out, err
}

// UpdateOpen applies ch to contact's open lead inside tx (nil: its own
// transaction), creating the lead (status new, no source, unassigned)
// when the contact has none: a flow's update_lead step works on the
// contact it talks to.
func (s *Service) UpdateOpen(ctx context.Context, tx store.Tx, contactID int64, ch Change, by Actor) (Lead, error) {
	var out Lead
	err := s.inTx(ctx, tx, func(tx store.Tx) error {
		id, err := s.ensureOpen(ctx, tx, contactID, by)
		if err != nil {
			return err
		}
		out, err = s.update(ctx, tx, id, ch, by)
		return err
	})
	return out, err
}

// ensureOpen returns contact's open lead, creating one when it has none.
func (s *Service) ensureOpen(ctx context.Context, tx store.Tx, contactID int64, by Actor) (int64, error) {
	for range 2 {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM leads WHERE contact_id = ? AND status <> 'closed'`, contactID).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
		id, created, err := s.insertOpen(ctx, tx, contactID, StatusNew, 0, false, by)
		if err != nil || created {
			return id, err
		}
		// Another transaction created it since the read: read it again.
	}
	return 0, ErrOpenLeadExists
}

func (s *Service) update(ctx context.Context, tx store.Tx, id int64, ch Change, by Actor) (Lead, error) {
	cur, err := s.get(ctx, tx, id)
	if err != nil {
		return Lead{}, err
	}
	next := cur
	if ch.Status != nil {
		if !ch.Status.Valid() {
			return Lead{}, errStatus("status")
		}
		next.Status = *ch.Status
	}
	if ch.Notes != nil {
		if err := checkNotes(*ch.Notes); err != nil {
			return Lead{}, err
		}
		next.Notes = *ch.Notes
	}
	tags := slices.Clone(cur.Tags)
	if ch.Tags != nil {
		tags = *ch.Tags
	}
	tags = append(tags, ch.AddTags...)
	tags = slices.DeleteFunc(tags, func(t string) bool { return slices.Contains(ch.RemoveTags, t) })
	if next.Tags, err = cleanTags("tags", tags); err != nil {
		return Lead{}, err
	}
	if len(next.Tags) > MaxTags {
		return Lead{}, apperr.Invalid("tags", "too_many_tags", "a lead has at most 50 tags")
	}
	next.Fields = maps.Clone(cur.Fields)
	for k, v := range ch.Fields {
		if err := checkField(k, v); err != nil {
			return Lead{}, err
		}
		if v == "" {
			delete(next.Fields, k)
		} else {
			next.Fields[k] = v
		}
	}
	if len(next.Fields) > MaxFields {
		return Lead{}, apperr.Invalid("fields", "too_many_fields", "a lead has at most 50 custom fields")
	}
	if ch.SourceID != nil {
		if err := checkSource(ctx, tx, *ch.SourceID); err != nil {
			return Lead{}, err
		}
		next.SourceID = *ch.SourceID
	}
	fields, err := json.Marshal(next.Fields)
	if err != nil {
		return Lead{}, err
	}
	_, err = tx.Exec(ctx, `UPDATE leads SET status = ?, notes = ?, fields = ?, source_id = ?, updated_at = ? WHERE id = ?`,
		string(next.Status), next.Notes, string(fields), nullID(next.SourceID), store.Millis(s.now()), id)
	if errors.Is(err, store.ErrConflict) {
		return Lead{}, ErrOpenLeadExists // reopening while another lead is open
	}
	if err != nil {
		return Lead{}, err
	}
	if !slices.Equal(cur.Tags, next.Tags) {
		if err := s.writeTags(ctx, tx, id, next.Tags); err != nil {
			return Lead{}, err
		}
	}
	if next.Status != cur.Status {
		if err := s.recordStatus(ctx, tx, id, cur.Status, next.Status, by); err != nil {
			return Lead{}, err
		}
	}
	if err := s.appendEvent(ctx, tx, live.KindLead, cur.ContactID, by.UserID); err != nil {
		return Lead{}, err
	}
	return s.get(ctx, tx, id)
}

func (s *Service) writeTags(ctx context.Context, tx store.Tx, id int64, tags []string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM lead_tags WHERE lead_id = ?`, id); err != nil {
		return err
	}
	if len(tags) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(tags))
	for _, t := range tags {
		args = append(args, id, t)
	}
	_, err := tx.Exec(ctx, `INSERT INTO lead_tags (lead_id, tag) VALUES `+store.Placeholders(len(tags), 2), args...)
	return err
}

// appendEvent tells the web app about a lead change, on the contact's
// latest conversation (the chat the lead panel sits beside; browsers
// that may not see that chat are not told).
func (s *Service) appendEvent(ctx context.Context, tx store.Tx, kind string, contactID, userID int64) error {
	if s.hub == nil {
		return nil
	}
	if err := messaging.FlushConversationTouches(ctx, tx); err != nil {
		return err
	}
	var conv int64
	err := tx.QueryRow(ctx, `SELECT id FROM conversations WHERE contact_id = ? ORDER BY last_message_at DESC, id DESC LIMIT 1`, contactID).Scan(&conv)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.hub.Append(ctx, tx, live.Event{Kind: kind, ConversationID: conv, UserID: userID})
}
