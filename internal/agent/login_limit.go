package agent

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Login rate limits: within LoginWindow, an account takes at most
// LoginFailuresPerAccount wrong passwords and an address at most
// LoginFailuresPerAddress (many accounts from one place). Counted in the
// database, so every instance enforces the same numbers.
const (
	LoginWindow             = 15 * time.Minute
	LoginFailuresPerAccount = 5
	LoginFailuresPerAddress = 20
)

// CodeLoginLimited is the error code of a refused login attempt.
const CodeLoginLimited = "too_many_logins"

// CheckLoginAllowed refuses a login attempt for email from ip when either
// has failed too often lately; it is called before the password is checked,
// so a guesser learns nothing from a locked account.
func (s *Service) CheckLoginAllowed(ctx context.Context, email, ip string) error {
	since := store.Millis(s.now().Add(-LoginWindow))
	email = strings.ToLower(strings.TrimSpace(email))
	var byAccount, byAddress int
	if err := s.db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM login_failures WHERE email = ? AND at > ?`, email, since).Scan(&byAccount); err != nil {
		return err
	}
	if err := s.db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM login_failures WHERE ip = ? AND at > ?`, ip, since).Scan(&byAddress); err != nil {
		return err
	}
	if byAccount >= LoginFailuresPerAccount || byAddress >= LoginFailuresPerAddress {
		return apperr.New(apperr.KindForbidden, CodeLoginLimited,
			"too many failed logins: wait "+strconv.Itoa(int(LoginWindow/time.Minute))+" minutes and try again")
	}
	return nil
}

// RecordLoginFailure counts a wrong password, and forgets failures older
// than the window.
func (s *Service) RecordLoginFailure(ctx context.Context, email, ip string) error {
	now := s.now()
	return s.db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO login_failures (email, ip, at) VALUES (?, ?, ?)`,
			strings.ToLower(strings.TrimSpace(email)), ip, store.Millis(now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE at < ?`, store.Millis(now.Add(-LoginWindow)))
		return err
	})
}

// ClearLoginFailures forgets an account's failures after it logged in.
func (s *Service) ClearLoginFailures(ctx context.Context, email string) error {
	return s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE email = ?`, strings.ToLower(strings.TrimSpace(email)))
		return err
	})
}
