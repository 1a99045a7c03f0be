package account

import (
	"context"
	"errors"

	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// SandboxSpec describes the built-in sandbox's account and numbers.
type SandboxSpec struct {
	Name, WABAID, AccessToken, AppSecret, VerifyToken, GraphURL, GraphVersion string
	Senders                                                                   []whatsapp.PhoneNumber
}

// EnsureSandbox creates or refreshes the sandbox account (its Graph URL
// follows the address the server listens on) and its senders, and
// schedules a template sync and sender checks in the same transaction.
func (s *Service) EnsureSandbox(ctx context.Context, spec SandboxSpec) (Account, error) {
	tok, err := s.box.Encrypt(spec.AccessToken)
	if err != nil {
		return Account{}, err
	}
	sec, err := s.box.Encrypt(spec.AppSecret)
	if err != nil {
		return Account{}, err
	}
	ver, err := s.box.Encrypt(spec.VerifyToken)
	if err != nil {
		return Account{}, err
	}
	now := store.Millis(s.now())
	var id int64
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE waba_id = ?`, spec.WABAID).Scan(&id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = tx.QueryRow(ctx, `INSERT INTO accounts (name, waba_id, access_token, app_secret, verify_token, graph_url, graph_version, sandbox, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				spec.Name, spec.WABAID, tok, sec, ver, spec.GraphURL, spec.GraphVersion, true, now, now).Scan(&id)
		case err == nil:
			_, err = tx.Exec(ctx, `UPDATE accounts SET access_token = ?, app_secret = ?, verify_token = ?, graph_url = ?, graph_version = ?, sandbox = ?, updated_at = ? WHERE id = ?`,
				tok, sec, ver, spec.GraphURL, spec.GraphVersion, true, now, id)
		}
		if err != nil {
			return err
		}
		var checks []int64
		for _, pn := range spec.Senders {
			var sid int64
			err := tx.QueryRow(ctx, `INSERT INTO senders (account_id, phone_number_id, display_phone_number, verified_name, status, quality_rating, rate_limit, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (phone_number_id) DO NOTHING RETURNING id`,
				id, pn.ID, pn.DisplayPhoneNumber, pn.VerifiedName, pn.Status, normalizeQuality(pn.QualityRating), DefaultRateLimit, now, now).Scan(&sid)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			checks = append(checks, sid)
		}
		if err := s.queue.InsertTx(ctx, tx, SyncTemplatesArgs{AccountID: id}, nil); err != nil {
			return err
		}
		return s.requestChecks(ctx, tx, checks)
	})
	s.forget(id)
	if err != nil {
		return Account{}, err
	}
	return s.Account(ctx, id)
}
