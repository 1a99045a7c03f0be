package campaign

import (
	"context"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Progress is a campaign's live counts. Delivery states come from the
// messages the recipients were sent as (their status webhooks); replies
// are inbound messages in the recipient's conversation after the send.
type Progress struct {
	Queued        int            `json:"queued"`
	Skipped       int            `json:"skipped"`
	Sent          int            `json:"sent"` // handed to the outbox and not failed (queued, sent, delivered or read)
	Delivered     int            `json:"delivered"`
	Read          int            `json:"read"`
	Failed        int            `json:"failed"`
	FailedByCode  map[string]int `json:"failed_by_code"`
	Replied       int            `json:"replied"`
	OptedOutAfter int            `json:"opted_out_after"`
}

// Progress counts a campaign's recipients by state.
func (s *Service) Progress(ctx context.Context, id int64) (Progress, error) {
	p := Progress{FailedByCode: map[string]int{}}
	rows, err := s.db.Read().Query(ctx, `SELECT r.state, COALESCE(m.status, ''), CASE WHEN r.error_code <> '' THEN r.error_code ELSE COALESCE(m.error_code, '') END, COUNT(*)
		FROM campaign_recipients r LEFT JOIN messages m ON m.id = r.message_id
		WHERE r.campaign_id = ? GROUP BY r.state, COALESCE(m.status, ''), CASE WHEN r.error_code <> '' THEN r.error_code ELSE COALESCE(m.error_code, '') END`, id)
	if err != nil {
		return p, err
	}
	for rows.Next() {
		var state, status, code string
		var n int
		if err := rows.Scan(&state, &status, &code, &n); err != nil {
			rows.Close()
			return p, err
		}
		switch {
		case state == "queued":
			p.Queued += n
		case state == "skipped":
			p.Skipped += n
		case state == "failed" || status == "failed":
			p.Failed += n
			p.FailedByCode[code] += n
		default:
			p.Sent += n
			switch status {
			case "read":
				p.Read += n
				p.Delivered += n
			case "delivered":
				p.Delivered += n
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, err
	}
	err = s.db.Read().QueryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM messages i WHERE i.conversation_id = m.conversation_id AND i.direction = 'in' AND i.occurred_at >= r.sent_at) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM contact_opt_out_changes o JOIN conversations v ON v.contact_id = o.contact_id
			WHERE v.id = m.conversation_id AND o.opted_out_after = ? AND o.created_at >= r.sent_at) THEN 1 ELSE 0 END), 0)
		FROM campaign_recipients r JOIN messages m ON m.id = r.message_id WHERE r.campaign_id = ? AND r.message_id > 0`, true, id).Scan(&p.Replied, &p.OptedOutAfter)
	return p, err
}

// Recipient is one recipient with its current state.
type Recipient struct {
	ID         int64     `json:"id"`
	Phone      string    `json:"phone"`
	ContactID  int64     `json:"contact_id"`
	SenderID   int64     `json:"sender_id"`
	State      string    `json:"state"` // queued, skipped, failed, or the message's status (queued, sent, delivered, read, failed)
	SkipReason string    `json:"skip_reason,omitempty"`
	ErrorCode  string    `json:"error_code,omitempty"`
	MessageID  int64     `json:"message_id,omitempty"`
	SentAt     time.Time `json:"sent_at,omitzero"`
}

// Recipients pages through a campaign's recipients after id after,
// optionally of one state.
func (s *Service) Recipients(ctx context.Context, id int64, state string, after int64, limit int) ([]Recipient, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := `SELECT r.id, r.phone, r.contact_id, r.sender_id, r.state, r.skip_reason, r.error_code, COALESCE(m.status, ''), COALESCE(m.error_code, ''), r.message_id, r.sent_at
		FROM campaign_recipients r LEFT JOIN messages m ON m.id = r.message_id WHERE r.campaign_id = ? AND r.id > ?`
	args := []any{id, after}
	switch state {
	case "":
	case "queued", "skipped":
		q += ` AND r.state = ?`
		args = append(args, state)
	case "failed":
		q += ` AND (r.state = 'failed' OR m.status = 'failed')`
	default: // a message status
		q += ` AND r.state = 'sent' AND m.status = ?`
		args = append(args, state)
	}
	rows, err := s.db.Read().Query(ctx, q+` ORDER BY r.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Recipient{}
	for rows.Next() {
		var r Recipient
		var status, mcode string
		var sent int64
		if err := rows.Scan(&r.ID, &r.Phone, &r.ContactID, &r.SenderID, &r.State, &r.SkipReason, &r.ErrorCode, &status, &mcode, &r.MessageID, &sent); err != nil {
			return nil, err
		}
		if r.State == "sent" && status != "" {
			r.State = status
		}
		if r.ErrorCode == "" {
			r.ErrorCode = mcode
		}
		if sent > 0 {
			r.SentAt = store.Time(sent)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
