package account

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Sender is one WhatsApp business phone number (F1).
type Sender struct {
	ID                 int64     `json:"id"`
	AccountID          int64     `json:"account_id"`
	PhoneNumberID      string    `json:"phone_number_id"`
	DisplayPhoneNumber string    `json:"display_phone_number"`
	VerifiedName       string    `json:"verified_name"`
	Status             string    `json:"status"`         // CONNECTED, DISCONNECTED, … as Meta reports it
	QualityRating      string    `json:"quality_rating"` // GREEN, YELLOW, RED, UNKNOWN
	MessagingLimit     string    `json:"messaging_limit"`
	RateLimit          int       `json:"rate_limit"` // messages per second we allow ourselves
	Online             bool      `json:"online"`
	CheckedAt          time.Time `json:"checked_at"`
	CheckError         string    `json:"check_error"`
	// QualityEvent is the last quality webhook's event (FLAGGED,
	// UNFLAGGED, DOWNGRADE…) until a read of the number confirms what the
	// rating is: the event says the rating moved, not always to what, so
	// QualityRating changes only with a read.
	QualityEvent   string    `json:"quality_event"`
	QualityEventAt time.Time `json:"quality_event_at,omitzero"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// DefaultRateLimit is Cloud API's standard throughput per number.
const DefaultRateLimit = 80

// IsOnline says whether a sender may send: Meta reports it CONNECTED.
func IsOnline(status string) bool { return status == "CONNECTED" }

// normalizeQuality folds Meta's spellings (NA, UNKNOWN, lower case) into ours.
func normalizeQuality(q string) string {
	switch q = strings.ToUpper(q); q {
	case "GREEN", "YELLOW", "RED":
		return q
	}
	return "UNKNOWN"
}

const senderColumns = `id, account_id, phone_number_id, display_phone_number, verified_name, status, quality_rating, messaging_limit, rate_limit, checked_at, check_error, quality_event, quality_event_at, created_at, updated_at`

func scanSender(row store.Row) (Sender, error) {
	var s Sender
	var checked, eventAt, created, updated int64
	err := row.Scan(&s.ID, &s.AccountID, &s.PhoneNumberID, &s.DisplayPhoneNumber, &s.VerifiedName, &s.Status, &s.QualityRating,
		&s.MessagingLimit, &s.RateLimit, &checked, &s.CheckError, &s.QualityEvent, &eventAt, &created, &updated)
	s.CheckedAt, s.CreatedAt, s.UpdatedAt = store.Time(checked), store.Time(created), store.Time(updated)
	s.QualityEventAt = store.Time(eventAt)
	s.Online = IsOnline(s.Status)
	return s, err
}

// SenderInput is what a caller sets on a sender.
type SenderInput struct {
	PhoneNumberID *string `json:"phone_number_id"`
	RateLimit     *int    `json:"rate_limit"`
}

// CreateSender adds a phone number to an account. It reads the number from
// the Cloud API first, so a wrong id or token fails now, with Meta's words,
// rather than at the first send.
func (s *Service) CreateSender(ctx context.Context, accountID int64, in SenderInput) (Sender, error) {
	acc, err := s.Account(ctx, accountID)
	if err != nil {
		return Sender{}, err
	}
	if err := s.usable(acc); err != nil {
		return Sender{}, err
	}
	if in.PhoneNumberID == nil || strings.TrimSpace(*in.PhoneNumberID) == "" || strings.Trim(*in.PhoneNumberID, "0123456789") != "" {
		return Sender{}, apperr.Invalid("phone_number_id", "invalid_sender", "phone_number_id is required: the Cloud API phone number id (digits), not the phone number")
	}
	if err := checkSenderOwner(ctx, s.db.Read(), *in.PhoneNumberID, acc.Sandbox); err != nil {
		return Sender{}, err
	}
	rate := DefaultRateLimit
	if in.RateLimit != nil {
		rate = *in.RateLimit
	}
	if rate < 1 || rate > 1000 {
		return Sender{}, apperr.Invalid("rate_limit", "invalid_sender", "rate_limit must be between 1 and 1000 messages per second")
	}
	pn, err := s.graphFor(acc).GetPhoneNumber(ctx, acc.AccessToken, *in.PhoneNumberID)
	if err != nil {
		return Sender{}, graphError("reading the phone number", err)
	}
	pn.ID = *in.PhoneNumberID
	return s.insertSender(ctx, acc.ID, pn, rate)
}

func (s *Service) insertSender(ctx context.Context, accountID int64, pn whatsapp.PhoneNumber, rate int) (Sender, error) {
	now := s.now()
	status := pn.Status
	if status == "" {
		status = "UNKNOWN"
	}
	var id int64
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO senders (account_id, phone_number_id, display_phone_number, verified_name, status, quality_rating,
				messaging_limit, rate_limit, checked_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			accountID, pn.ID, pn.DisplayPhoneNumber, pn.VerifiedName, status, normalizeQuality(pn.QualityRating),
			pn.MessagingLimitTier, rate, store.Millis(now), store.Millis(now), store.Millis(now)).Scan(&id)
	})
	if errors.Is(err, store.ErrConflict) {
		return Sender{}, &apperr.Error{Kind: apperr.KindConflict, Code: "sender_exists", Field: "phone_number_id", Message: "this phone_number_id is already a sender"}
	}
	if err != nil {
		return Sender{}, err
	}
	return s.Sender(ctx, id)
}

// UpdateSender changes a sender's own settings (its rate limit).
func (s *Service) UpdateSender(ctx context.Context, id int64, in SenderInput) (Sender, error) {
	sn, err := s.Sender(ctx, id)
	if err != nil {
		return sn, err
	}
	if in.PhoneNumberID != nil && *in.PhoneNumberID != sn.PhoneNumberID {
		return sn, apperr.Invalid("phone_number_id", "invalid_sender", "phone_number_id cannot change: delete the sender and add the new number")
	}
	if in.RateLimit != nil {
		if *in.RateLimit < 1 || *in.RateLimit > 1000 {
			return sn, apperr.Invalid("rate_limit", "invalid_sender", "rate_limit must be between 1 and 1000 messages per second")
		}
		sn.RateLimit = *in.RateLimit
	}
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE senders SET rate_limit = ?, updated_at = ? WHERE id = ?`, sn.RateLimit, store.Millis(s.now()), id)
		return err
	})
	if err != nil {
		return sn, err
	}
	return s.Sender(ctx, id)
}

// DeleteSender removes a sender and its conversations.
func (s *Service) DeleteSender(ctx context.Context, id int64) error {
	var n int64
	err := s.db.InTx(ctx, func(tx store.Tx) (err error) {
		n, err = tx.Exec(ctx, `DELETE FROM senders WHERE id = ?`, id)
		return err
	})
	if err == nil && n == 0 {
		return apperr.NotFound("sender")
	}
	return err
}

// Sender returns one sender.
func (s *Service) Sender(ctx context.Context, id int64) (Sender, error) {
	sn, err := scanSender(s.db.Read().QueryRow(ctx, `SELECT `+senderColumns+` FROM senders WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return sn, apperr.NotFound("sender")
	}
	return sn, err
}

// SenderByPhoneNumberID finds a sender by its Cloud API id, through q (a
// transaction during webhook processing).
// In a transaction it is read once (store.Memo): every event of an intake
// batch names its sender.
func SenderByPhoneNumberID(ctx context.Context, q store.Querier, phoneNumberID string) (Sender, error) {
	return store.Memo(ctx, q, "senders", "p"+phoneNumberID, func() (Sender, error) {
		return scanSender(q.QueryRow(ctx, `SELECT `+senderColumns+` FROM senders WHERE phone_number_id = ?`, phoneNumberID))
	})
}

// SenderByID reads a sender through q (a transaction while sending).
func SenderByID(ctx context.Context, q store.Querier, id int64) (Sender, error) {
	return store.Memo(ctx, q, "senders", "i"+strconv.FormatInt(id, 10), func() (Sender, error) {
		return scanSender(q.QueryRow(ctx, `SELECT `+senderColumns+` FROM senders WHERE id = ?`, id))
	})
}

// Senders lists senders, of one account when accountID > 0.
func (s *Service) Senders(ctx context.Context, accountID int64) ([]Sender, error) {
	q := `SELECT ` + senderColumns + ` FROM senders`
	args := []any{}
	if accountID > 0 {
		q += ` WHERE account_id = ?`
		args = append(args, accountID)
	}
	rows, err := s.db.Read().Query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Sender{}
	for rows.Next() {
		sn, err := scanSender(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sn)
	}
	return out, rows.Err()
}
