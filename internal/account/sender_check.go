package account

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// CheckSender reads a sender's status and quality from the Cloud API and
// stores them. It is the only place a sender's quality rating changes: a
// confirmed drop to RED pauses bulk sends (queued ones are held, see
// messaging's dispatcher) and tells the team, a confirmed recovery
// resumes them. A failure is recorded on the sender (check_error) and
// returned, so the job retries; a refused access token is recorded on the
// account instead (MarkCredentialsInvalid) and leaves the sender's status
// as it was.
func (s *Service) CheckSender(ctx context.Context, id int64) (Sender, error) {
	sn, err := s.Sender(ctx, id)
	if err != nil {
		return sn, err
	}
	acc, err := s.Account(ctx, sn.AccountID)
	if err != nil {
		return sn, err
	}
	if err := s.usable(acc); err != nil {
		return sn, err
	}
	pn, gerr := s.graphFor(acc).GetPhoneNumber(ctx, acc.AccessToken, sn.PhoneNumberID)
	now := s.now()
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		if gerr != nil {
			msg := graphError("checking the sender", gerr).Error()
			if _, err := tx.Exec(ctx, `UPDATE senders SET checked_at = ?, check_error = ? WHERE id = ?`, store.Millis(now), msg, id); err != nil {
				return err
			}
			if TokenRefused(gerr) {
				return MarkCredentialsInvalid(ctx, tx, acc.ID, msg, now)
			}
			return nil
		}
		return s.recordCheck(ctx, tx, id, pn, now)
	})
	if err != nil {
		return sn, err
	}
	if gerr != nil {
		return sn, graphError("checking the sender", gerr)
	}
	return s.Sender(ctx, id)
}

// recordCheck stores a successful read of sender id and tells the team
// what changed for the worse (or back), comparing with the stored state
// inside tx.
func (s *Service) recordCheck(ctx context.Context, tx store.Tx, id int64, pn whatsapp.PhoneNumber, now time.Time) error {
	var old Sender
	if err := tx.QueryRow(ctx, `SELECT account_id, display_phone_number, status, quality_rating FROM senders WHERE id = ?`, id).
		Scan(&old.AccountID, &old.DisplayPhoneNumber, &old.Status, &old.QualityRating); err != nil {
		return err
	}
	status := pn.Status
	if status == "" {
		status = old.Status
	}
	quality := normalizeQuality(pn.QualityRating)
	ref := "sender:" + strconv.FormatInt(id, 10)
	display := firstNonEmpty(pn.DisplayPhoneNumber, old.DisplayPhoneNumber)
	if IsOnline(old.Status) && !IsOnline(status) {
		if err := notify.Add(ctx, tx, notify.KindSenderOffline, "A sender went offline",
			display+" is now "+status+" at Meta; messages from it are refused until it is CONNECTED again.", ref, now); err != nil {
			return err
		}
	}
	switch {
	case quality == "RED" && old.QualityRating != "RED":
		// F17: bulk sends from this number stop, queued ones included, and
		// the team hears why.
		if err := notify.Add(ctx, tx, notify.KindSenderQuality, "A sender's quality dropped to RED: bulk sending from it is paused",
			"Meta rates "+display+" RED. Its bulk messages, queued ones included, are held until its quality recovers or an admin releases them. Replies inside the 24-hour window still go out.",
			ref, now); err != nil {
			return err
		}
	case quality != "RED" && old.QualityRating == "RED":
		if err := notify.Add(ctx, tx, notify.KindSenderQuality, "A sender's quality recovered: bulk sending from it resumes",
			"Meta rates "+display+" "+quality+". Its held bulk messages are being sent.", ref, now); err != nil {
			return err
		}
	}
	ms := store.Millis(now)
	if _, err := tx.Exec(ctx, `UPDATE senders SET display_phone_number = ?, verified_name = ?, status = ?, quality_rating = ?,
			messaging_limit = ?, checked_at = ?, check_error = '', quality_event = '', quality_event_at = 0, updated_at = ? WHERE id = ?`,
		pn.DisplayPhoneNumber, pn.VerifiedName, status, quality, pn.MessagingLimitTier, ms, ms, id); err != nil {
		return err
	}
	// The read used the account's token: Meta accepts it again.
	return clearCredentialsError(ctx, tx, old.AccountID)
}

// ApplyQualityUpdate records a phone_number_quality_update webhook inside
// the processing transaction and requests a check. The event says that the
// rating moved but not to what (FLAGGED may be YELLOW or RED): it is kept
// as the sender's pending quality_event, and only the read that follows
// changes quality_rating, pauses bulk sends or raises a notification. The
// messaging limit it carries is a fact and applies at once.
func (s *Service) ApplyQualityUpdate(ctx context.Context, tx store.Tx, wabaID string, u whatsapp.QualityUpdate) error {
	now := store.Millis(s.now())
	event := strings.ToUpper(strings.TrimSpace(u.Event))
	if event == "" {
		event = "UPDATE"
	}
	return s.touchSendersByDisplay(ctx, tx, wabaID, u.DisplayPhoneNumber, func(id int64) error {
		if _, err := tx.Exec(ctx, `UPDATE senders SET quality_event = ?, quality_event_at = ?, updated_at = ? WHERE id = ?`,
			event, now, now, id); err != nil {
			return err
		}
		if u.CurrentLimit != "" {
			if _, err := tx.Exec(ctx, `UPDATE senders SET messaging_limit = ? WHERE id = ?`, u.CurrentLimit, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ApplyAccountUpdate requests a check of the account's senders named by an
// account_update webhook (or all of them), in the processing transaction.
func (s *Service) ApplyAccountUpdate(ctx context.Context, tx store.Tx, wabaID string, u whatsapp.AccountUpdate) error {
	return s.touchSendersByDisplay(ctx, tx, wabaID, u.PhoneNumber, func(int64) error { return nil })
}

// touchSendersByDisplay runs fn on the senders of waba matching a display
// number (all of the account's senders when display is empty) and requests
// a status check for each in the same transaction.
func (s *Service) touchSendersByDisplay(ctx context.Context, tx store.Tx, wabaID, display string, fn func(id int64) error) error {
	rows, err := tx.Query(ctx, `SELECT s.id, s.display_phone_number FROM senders s JOIN accounts a ON a.id = s.account_id WHERE a.waba_id = ?`, wabaID)
	if err != nil {
		return err
	}
	var ids []int64
	want := digits(display)
	for rows.Next() {
		var id int64
		var disp string
		if err := rows.Scan(&id, &disp); err != nil {
			rows.Close()
			return err
		}
		if want == "" || digits(disp) == want {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return s.requestChecks(ctx, tx, ids)
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
