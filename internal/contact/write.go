package contact

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/store"
)

// Input is a new contact, or a change to one: nil leaves a part as it is.
type Input struct {
	// Phone is required to create, in international form or, with the
	// region given to Create, national; it never changes afterwards (it
	// is who the contact is on WhatsApp).
	Phone *string `json:"phone,omitempty"`
	Name  *string `json:"name,omitempty"`
	// Tags replace the contact's tags.
	Tags *[]string `json:"tags,omitempty"`
	// Fields are merged into the contact's custom fields: a null or empty
	// value removes the field.
	Fields   map[string]*string `json:"fields,omitempty"`
	OptedOut *bool              `json:"opted_out,omitempty"`
}

// checked is an Input after validation.
type checked struct {
	name     *string
	tags     *[]string
	set      map[string]string // fields to write
	drop     []string          // fields to remove
	optedOut *bool
}

func check(in Input) (checked, error) {
	c := checked{optedOut: in.OptedOut, set: map[string]string{}}
	if in.Name != nil {
		n, err := normName(*in.Name)
		if err != nil {
			return c, err
		}
		c.name = &n
	}
	if in.Tags != nil {
		t, err := normTags(*in.Tags)
		if err != nil {
			return c, err
		}
		c.tags = &t
	}
	if len(in.Fields) > MaxFields {
		return c, apperr.Invalid("fields", codeInvalid, "a contact has at most "+strconv.Itoa(MaxFields)+" custom fields")
	}
	for _, k := range slices.Sorted(maps.Keys(in.Fields)) {
		if err := checkFieldKey(k); err != nil {
			return c, err
		}
		v := in.Fields[k]
		if v == nil || strings.TrimSpace(*v) == "" {
			c.drop = append(c.drop, k)
			continue
		}
		val := strings.TrimSpace(*v)
		if err := checkFieldValue(k, val); err != nil {
			return c, err
		}
		c.set[k] = val
	}
	return c, nil
}

// Create adds a contact. region (an ISO country code, may be "") reads a
// number written without its country code; an unknown one is refused on
// the region field. A number that already has a
// contact is a conflict on the phone field.
func (s *Service) Create(ctx context.Context, in Input, region string, by Actor) (Contact, error) {
	if in.Phone == nil || strings.TrimSpace(*in.Phone) == "" {
		return Contact{}, apperr.Invalid("phone", codeInvalid, "phone is required, e.g. +5511988887777")
	}
	region, err := checkRegion(region)
	if err != nil {
		return Contact{}, err
	}
	e164, err := normPhone(*in.Phone, region)
	if err != nil {
		return Contact{}, err
	}
	c, err := check(in)
	if err != nil {
		return Contact{}, err
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO contacts (wa_id, phone, created_at, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (wa_id) DO NOTHING RETURNING id`, phone.WAID(e164), e164, store.Millis(now), store.Millis(now)).Scan(&id)
		if errors.Is(err, store.ErrNotFound) {
			var existing int64
			_ = tx.QueryRow(ctx, `SELECT id FROM contacts WHERE wa_id = ?`, phone.WAID(e164)).Scan(&existing)
			return &apperr.Error{Kind: apperr.KindConflict, Code: "contact_exists", Field: "phone",
				Message: "a contact with this number exists already (id " + strconv.FormatInt(existing, 10) + ")"}
		}
		if err != nil {
			return err
		}
		return apply(ctx, tx, id, false, c, by, "", now)
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Get(ctx, id)
}

// Update changes a contact's name, tags, custom fields or opt-out.
func (s *Service) Update(ctx context.Context, id int64, in Input, by Actor) (Contact, error) {
	if in.Phone != nil {
		return Contact{}, apperr.Invalid("phone", codeInvalid, "a contact's phone cannot change: create a contact for the new number")
	}
	c, err := check(in)
	if err != nil {
		return Contact{}, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		var optedOut bool
		err := tx.QueryRow(ctx, `SELECT opted_out FROM contacts WHERE id = ?`, id).Scan(&optedOut)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("contact")
		}
		if err != nil {
			return err
		}
		if err := apply(ctx, tx, id, optedOut, c, by, "", now); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM contact_fields WHERE contact_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > MaxFields {
			return apperr.Invalid("fields", codeInvalid, "a contact has at most "+strconv.Itoa(MaxFields)+" custom fields")
		}
		_, err = tx.Exec(ctx, `UPDATE contacts SET updated_at = ? WHERE id = ?`, store.Millis(now), id)
		return err
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Get(ctx, id)
}

// SetOptOut opts a contact out of marketing messages, or back in, and
// records who did.
func (s *Service) SetOptOut(ctx context.Context, id int64, out bool, by Actor) (Contact, error) {
	return s.Update(ctx, id, Input{OptedOut: &out}, by)
}

// apply writes c to contact id in tx; optedOut is the contact's opt-out
// before.
func apply(ctx context.Context, tx store.Tx, id int64, optedOut bool, c checked, by Actor, detail string, now time.Time) error {
	if c.name != nil {
		if _, err := tx.Exec(ctx, `UPDATE contacts SET name = ? WHERE id = ?`, *c.name, id); err != nil {
			return err
		}
	}
	if c.tags != nil {
		if _, err := tx.Exec(ctx, `DELETE FROM contact_tags WHERE contact_id = ?`, id); err != nil {
			return err
		}
		if err := addTags(ctx, tx, id, *c.tags); err != nil {
			return err
		}
	}
	for _, k := range c.drop {
		if _, err := tx.Exec(ctx, `DELETE FROM contact_fields WHERE contact_id = ? AND name = ?`, id, k); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.set)) {
		if _, err := tx.Exec(ctx, `INSERT INTO contact_fields (contact_id, name, value) VALUES (?, ?, ?)
			ON CONFLICT (contact_id, name) DO UPDATE SET value = excluded.value`, id, k, c.set[k]); err != nil {
			return err
		}
	}
	if c.optedOut != nil {
		return SetOptOut(ctx, tx, id, optedOut, *c.optedOut, by, detail, now)
	}
	return nil
}

// addTags adds tags the contact does not have yet (ignoring case).
func addTags(ctx context.Context, tx store.Tx, id int64, tags []string) error {
	for _, t := range tags {
		if _, err := tx.Exec(ctx, `INSERT INTO contact_tags (contact_id, tag) SELECT ?, ?
			WHERE NOT EXISTS (SELECT 1 FROM contact_tags WHERE contact_id = ? AND LOWER(tag) = LOWER(?))`, id, t, id, t); err != nil {
			return err
		}
	}
	return nil
}
