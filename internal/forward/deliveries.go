package forward

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Delivery is one message forwarded (or to be) to the endpoint.
type Delivery struct {
	ID             string `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	MessageID      int64  `json:"message_id"`
	State          string `json:"state"`
	// Held: pending while forwarding is switched off; it goes out when it
	// is switched on again.
	Held          bool      `json:"held"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	LastStatus    int       `json:"last_status,omitempty"`
	LastError     string    `json:"last_error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	DeliveredAt   time.Time `json:"delivered_at,omitzero"`
	// Payload is what the endpoint receives (a GET's query parameters
	// are its fields).
	Payload json.RawMessage `json:"payload"`
	// AttemptLog is every attempt, oldest first (one delivery's details).
	AttemptLog []Attempt `json:"attempt_log,omitempty"`
	seq        int64
}

// Attempt is one try to send a delivery.
type Attempt struct {
	Attempt    int       `json:"attempt"`
	Method     string    `json:"method"`
	URL        string    `json:"url"`
	StatusCode int       `json:"status_code,omitempty"`
	LatencyMS  int64     `json:"latency_ms"`
	Response   string    `json:"response,omitempty"`
	Error      string    `json:"error,omitempty"`
	Outcome    string    `json:"outcome"`
	At         time.Time `json:"at"`
}

// Filter narrows the delivery log.
type Filter struct {
	State          string // pending | delivered | failed | "" for all
	ConversationID int64
	// Before is the id of the last delivery of the previous page.
	Before string
	Limit  int // default 50, at most 200
	// WithAttempts adds each delivery's attempts (the log page).
	WithAttempts bool
}

const deliveryColumns = `d.id, d.delivery_id, d.conversation_id, d.message_id, d.state, d.attempts, d.next_attempt_at,
	d.last_status, d.last_error, d.created_at, d.updated_at, d.delivered_at, d.payload`

func scanDelivery(r store.Row, held bool) (Delivery, error) {
	var d Delivery
	var next, created, updated, delivered int64
	var payload string
	if err := r.Scan(&d.seq, &d.ID, &d.ConversationID, &d.MessageID, &d.State, &d.Attempts, &next, &d.LastStatus, &d.LastError,
		&created, &updated, &delivered, &payload); err != nil {
		return d, err
	}
	d.Payload = json.RawMessage(payload)
	d.CreatedAt, d.UpdatedAt, d.DeliveredAt = store.Time(created), store.Time(updated), store.Time(delivered)
	if d.State == StatePending {
		d.NextAttemptAt = store.Time(next)
		d.Held = held
	}
	return d, nil
}

// held reports whether pending deliveries are held (forwarding is off).
func (s *Service) held(ctx context.Context) (bool, error) {
	st, err := s.settings(ctx, nil)
	return !st.Enabled || st.URL == "", err
}

// Deliveries lists the delivery log, newest first.
func (s *Service) Deliveries(ctx context.Context, f Filter) ([]Delivery, error) {
	switch f.State {
	case "", StatePending, StateDelivered, StateFailed:
	default:
		return nil, apperr.Invalid("state", "invalid_request", `state must be "pending", "delivered" or "failed"`)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 200)
	held, err := s.held(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + deliveryColumns + ` FROM forward_deliveries d WHERE 1 = 1`
	var args []any
	if f.State != "" {
		q += ` AND d.state = ?`
		args = append(args, f.State)
	}
	if f.ConversationID != 0 {
		q += ` AND d.conversation_id = ?`
		args = append(args, f.ConversationID)
	}
	if f.Before != "" {
		q += ` AND d.id < COALESCE((SELECT id FROM forward_deliveries WHERE delivery_id = ?), 0)`
		args = append(args, f.Before)
	}
	q += ` ORDER BY d.id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.DB.Read().Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out := []Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows, held)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if f.WithAttempts {
		for i := range out {
			if out[i].AttemptLog, err = s.attempts(ctx, out[i].seq); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Delivery returns one delivery with its attempts.
func (s *Service) Delivery(ctx context.Context, id string) (Delivery, error) {
	held, err := s.held(ctx)
	if err != nil {
		return Delivery{}, err
	}
	d, err := scanDelivery(s.DB.Read().QueryRow(ctx, `SELECT `+deliveryColumns+` FROM forward_deliveries d WHERE d.delivery_id = ?`, id), held)
	if errors.Is(err, store.ErrNotFound) {
		return Delivery{}, apperr.NotFound("delivery")
	}
	if err != nil {
		return Delivery{}, err
	}
	d.AttemptLog, err = s.attempts(ctx, d.seq)
	return d, err
}

func (s *Service) attempts(ctx context.Context, seq int64) ([]Attempt, error) {
	rows, err := s.DB.Read().Query(ctx, `SELECT attempt, method, url, status_code, latency_ms, response, error, outcome, created_at
		FROM forward_attempts WHERE delivery_id = ? ORDER BY id`, seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Attempt{}
	for rows.Next() {
		var a Attempt
		var at int64
		if err := rows.Scan(&a.Attempt, &a.Method, &a.URL, &a.StatusCode, &a.LatencyMS, &a.Response, &a.Error, &a.Outcome, &at); err != nil {
			return nil, err
		}
		a.At = store.Time(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ErrDisabled refuses a resend while forwarding is off.
var ErrDisabled = apperr.New(apperr.KindConflict, "forwarding_disabled", "webhook forwarding is switched off: switch it on to resend")

// Resend sends a delivery again, with the same delivery id and payload:
// a delivered or failed one becomes pending with a new 24-hour retry
// window, a pending one is due now. It keeps its place in its
// conversation's order (by age).
func (s *Service) Resend(ctx context.Context, id string) (Delivery, error) {
	if _, err := s.Delivery(ctx, id); err != nil {
		return Delivery{}, err
	}
	held, err := s.held(ctx)
	if err != nil {
		return Delivery{}, err
	}
	if held {
		return Delivery{}, ErrDisabled
	}
	now := store.Millis(s.Now())
	n, err := s.execTx(ctx, `UPDATE forward_deliveries SET state = 'pending', next_attempt_at = ?, window_start = 0, updated_at = ?,
		delivered_at = 0 WHERE delivery_id = ?`, now, now, id)
	if err != nil {
		return Delivery{}, err
	}
	if n == 0 {
		return Delivery{}, apperr.NotFound("delivery")
	}
	s.Wake()
	return s.Delivery(ctx, id)
}

func (s *Service) execTx(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := s.DB.InTx(ctx, func(tx store.Tx) (err error) {
		n, err = tx.Exec(ctx, q, args...)
		return err
	})
	return n, err
}
