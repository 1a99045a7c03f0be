package messaging

import (
	"context"
	"errors"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Contact is a customer, identified by their WhatsApp id.
type Contact struct {
	ID          int64  `json:"id"`
	WAID        string `json:"wa_id"`
	Phone       string `json:"phone"` // E.164
	ProfileName string `json:"profile_name"`
	// OptedOut contacts get no marketing templates (F17).
	OptedOut bool `json:"opted_out"`
	// NotOnWhatsApp is set when Meta answered 131026 for this number.
	NotOnWhatsApp bool      `json:"not_on_whatsapp"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

const contactColumns = `id, wa_id, phone, profile_name, opted_out, not_on_whatsapp, created_at, updated_at`

// contactNameColumn is what the inbox calls a contact (alias k): the
// team's name for them (package contact), else their WhatsApp profile
// name.
const contactNameColumn = `COALESCE(NULLIF(k.name, ''), k.profile_name)`

func scanContact(row store.Row) (Contact, error) {
	var c Contact
	var created, updated int64
	err := row.Scan(&c.ID, &c.WAID, &c.Phone, &c.ProfileName, &c.OptedOut, &c.NotOnWhatsApp, &created, &updated)
	c.CreatedAt, c.UpdatedAt = store.Time(created), store.Time(updated)
	return c, err
}

// writeContact creates the contact or refreshes its profile name (kept
// when the new one is empty: statuses carry no name). Callers look the
// contact up first (knownContact, the outbox's recipient lookup) and
// write only when it is new or its name changed: a returning customer's
// message then leaves the contacts table (and the log pages a write
// would dirty) alone.
func writeContact(ctx context.Context, tx store.Tx, waID, phone, name string, now int64) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO contacts (wa_id, phone, profile_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (wa_id) DO UPDATE SET
			profile_name = CASE WHEN excluded.profile_name <> '' THEN excluded.profile_name ELSE contacts.profile_name END,
			updated_at = CASE WHEN excluded.profile_name <> '' AND excluded.profile_name <> contacts.profile_name THEN excluded.updated_at ELSE contacts.updated_at END
		RETURNING id`, waID, phone, name, now, now).Scan(&id)
	return id, err
}

// knownContact is what processing an inbound message needs to know first,
// in one query: the customer's contact and its profile name, and their
// conversation with this sender and when it was resolved (0: open). Zero
// ids for what does not exist yet.
func knownContact(ctx context.Context, tx store.Tx, waID string, senderID int64) (contactID int64, profileName string, convID, resolvedAt int64, err error) {
	err = tx.QueryRow(ctx, `SELECT k.id, k.profile_name, COALESCE(v.id, 0), COALESCE(v.resolved_at, 0) FROM contacts k
		LEFT JOIN conversations v ON v.sender_id = ? AND v.contact_id = k.id
		WHERE k.wa_id = ?`, senderID, waID).Scan(&contactID, &profileName, &convID, &resolvedAt)
	if errors.Is(err, store.ErrNotFound) {
		return 0, "", 0, 0, nil
	}
	return contactID, profileName, convID, resolvedAt, err
}

// ContactFilter narrows Contacts.
type ContactFilter struct {
	Phone  string
	Limit  int
	Offset int
}

// Contacts lists contacts, newest first.
func (s *Service) Contacts(ctx context.Context, f ContactFilter) ([]Contact, error) {
	q := `SELECT ` + contactColumns + ` FROM contacts`
	var args []any
	if f.Phone != "" {
		q += ` WHERE phone = ?`
		args = append(args, f.Phone)
	}
	q += ` ORDER BY id DESC LIMIT ? OFFSET ?`
	args = append(args, clampLimit(f.Limit), max(f.Offset, 0))
	rows, err := s.db.Read().Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Contact returns one contact.
func (s *Service) Contact(ctx context.Context, id int64) (Contact, error) {
	c, err := scanContact(s.db.Read().QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return c, apperr.NotFound("contact")
	}
	return c, err
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}
