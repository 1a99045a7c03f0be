package lead

import (
	"context"
	"errors"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// StatusChange is one entry of a lead's status history.
type StatusChange struct {
	ID   int64  `json:"id"`
	From Status `json:"from"` // "" for the lead's creation
	To   Status `json:"to"`
	// By is what made the change (ByUser, ByAutoLead, ByFlow); ByUserID
	// and ByName name the user (0 and "" for automation).
	By       string    `json:"by"`
	ByUserID int64     `json:"by_user_id"`
	ByName   string    `json:"by_name"`
	At       time.Time `json:"at"`
}

func errNotFound() error { return apperr.NotFound("lead") }

func (s *Service) recordStatus(ctx context.Context, tx store.Tx, id int64, from, to Status, by Actor) error {
	kind := by.Kind
	if kind == "" {
		kind = ByUser
	}
	_, err := tx.Exec(ctx, `INSERT INTO lead_status_history (lead_id, from_status, to_status, by_user_id, by_kind, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id, string(from), string(to), nullID(by.UserID), kind, store.Millis(s.now()))
	return err
}

// History lists lead id's status changes, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]StatusChange, error) {
	q := s.db.Read()
	var one int64
	if err := q.QueryRow(ctx, `SELECT id FROM leads WHERE id = ?`, id).Scan(&one); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNotFound()
		}
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT h.id, h.from_status, h.to_status, h.by_kind, COALESCE(h.by_user_id, 0),
		COALESCE(CASE WHEN u.name = '' THEN u.email ELSE u.name END, ''), h.created_at
		FROM lead_status_history h LEFT JOIN users u ON u.id = h.by_user_id WHERE h.lead_id = ? ORDER BY h.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StatusChange{}
	for rows.Next() {
		var c StatusChange
		var from, to string
		var at int64
		if err := rows.Scan(&c.ID, &from, &to, &c.By, &c.ByUserID, &c.ByName, &at); err != nil {
			return nil, err
		}
		c.From, c.To, c.At = Status(from), Status(to), store.Time(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
