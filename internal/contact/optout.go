package contact

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Where an opt-out change came from.
const (
	SourceKeyword = "keyword" // the customer sent an opt-out keyword
	SourceAgent   = "agent"   // a person in the web app
	SourceAPI     = "api"     // a REST API call
	SourceImport  = "import"  // a CSV import
	// SourceWhatsApp: the customer stopped or resumed marketing messages
	// in WhatsApp itself (Meta's user_preferences webhook, or its error
	// 131050 refusing a marketing message).
	SourceWhatsApp = "whatsapp"
)

// Actor is who changes a contact: a user (0 for nobody, as a customer's
// keyword) through a source (Source*).
type Actor struct {
	UserID int64
	Source string
}

// OptOutChange is one line of a contact's opt-out history.
type OptOutChange struct {
	ID        int64  `json:"id"`
	ContactID int64  `json:"contact_id"`
	Before    bool   `json:"opted_out_before"`
	After     bool   `json:"opted_out_after"`
	Source    string `json:"source"`
	// UserID is who made the change (0: the customer, or an unknown
	// caller); UserName is their name now ("" when gone or none).
	UserID   int64  `json:"user_id,omitempty"`
	UserName string `json:"user_name,omitempty"`
	// Detail says more: the customer's message for a keyword, the row of
	// an import.
	Detail    string    `json:"detail,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// maxDetail bounds a history line's detail.
const maxDetail = 200

// RecordOptOut writes one line of opt-out history in tx. The caller has
// just changed contacts.opted_out from before to after (and records
// nothing when they are equal). Package messaging calls it when a
// customer's keyword opts them out.
func RecordOptOut(ctx context.Context, tx store.Tx, contactID int64, before, after bool, by Actor, detail string, at time.Time) error {
	if before == after {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO contact_opt_out_changes
		(contact_id, opted_out_before, opted_out_after, source, user_id, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		contactID, before, after, by.Source, by.UserID, clip(detail, maxDetail), store.Millis(at))
	return err
}

// SetOptOut changes a contact's opt-out in tx from before to after and
// records it, when it changes. Package messaging calls it for the
// customer's own choices in WhatsApp.
func SetOptOut(ctx context.Context, tx store.Tx, id int64, before, after bool, by Actor, detail string, at time.Time) error {
	if before == after {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE contacts SET opted_out = ?, updated_at = ? WHERE id = ?`, after, store.Millis(at), id); err != nil {
		return err
	}
	return RecordOptOut(ctx, tx, id, before, after, by, detail, at)
}

// MaxHistory bounds what OptOutHistory returns.
const MaxHistory = 200

// OptOutHistory lists a contact's opt-out changes, newest first.
func (s *Service) OptOutHistory(ctx context.Context, id int64) ([]OptOutChange, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Read().Query(ctx, `SELECT h.id, h.contact_id, h.opted_out_before, h.opted_out_after, h.source, h.user_id,
			COALESCE(NULLIF(u.name, ''), u.email, ''), h.detail, h.created_at
		FROM contact_opt_out_changes h LEFT JOIN users u ON u.id = h.user_id
		WHERE h.contact_id = ? ORDER BY h.id DESC LIMIT ?`, id, MaxHistory)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OptOutChange{}
	for rows.Next() {
		var c OptOutChange
		var at int64
		if err := rows.Scan(&c.ID, &c.ContactID, &c.Before, &c.After, &c.Source, &c.UserID, &c.UserName, &c.Detail, &at); err != nil {
			return nil, err
		}
		c.CreatedAt = store.Time(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
