package account

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// SandboxSpec describes the built-in sandbox's account and numbers. The
// secrets are used only when the account is created (or still holds one of
// LegacySecrets): an installation keeps the random secrets it got first,
// so every instance and every restart signs with the same ones.
type SandboxSpec struct {
	Name, WABAID, AccessToken, AppSecret, VerifyToken, GraphURL, GraphVersion string
	Senders                                                                   []whatsapp.PhoneNumber
	// LegacySecrets are constants older versions stored; a stored secret
	// equal to one of them is replaced by the spec's.
	LegacySecrets []string
}

// EnsureSandbox creates or refreshes the sandbox account (its Graph URL
// follows the address the server listens on) and its senders, and
// schedules a template sync and sender checks in the same transaction. It
// returns the account with the secrets the sandbox must use. It refuses
// to turn a real account into the sandbox or to give the sandbox a real
// sender's number.
func (s *Service) EnsureSandbox(ctx context.Context, spec SandboxSpec) (Account, error) {
	tok, sec, ver, err := s.encrypt(Account{AccessToken: spec.AccessToken, AppSecret: spec.AppSecret, VerifyToken: spec.VerifyToken})
	if err != nil {
		return Account{}, err
	}
	now := store.Millis(s.now())
	var id int64
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		var isSandbox bool
		var oldTok, oldSec, oldVer string
		err := tx.QueryRow(ctx, `SELECT id, sandbox, access_token, app_secret, verify_token FROM accounts WHERE waba_id = ?`, spec.WABAID).
			Scan(&id, &isSandbox, &oldTok, &oldSec, &oldVer)
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = tx.QueryRow(ctx, `INSERT INTO accounts (name, waba_id, access_token, app_secret, verify_token, graph_url, graph_version, sandbox, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				spec.Name, spec.WABAID, tok, sec, ver, spec.GraphURL, spec.GraphVersion, true, now, now).Scan(&id)
		case err != nil:
		case !isSandbox:
			err = &apperr.Error{Kind: apperr.KindConflict, Code: "real_account_waba_id",
				Message: "account " + strconv.FormatInt(id, 10) + " is a real account with the sandbox's WABA id " + spec.WABAID + ": the sandbox cannot start (ZAPFLOW_SANDBOX=false)"}
		default:
			if !s.holdsLegacy(spec.LegacySecrets, oldTok, oldSec, oldVer) {
				tok, sec, ver = oldTok, oldSec, oldVer
			}
			_, err = tx.Exec(ctx, `UPDATE accounts SET access_token = ?, app_secret = ?, verify_token = ?, graph_url = ?, graph_version = ?, updated_at = ? WHERE id = ?`,
				tok, sec, ver, spec.GraphURL, spec.GraphVersion, now, id)
		}
		if err != nil {
			return err
		}
		var checks []int64
		for _, pn := range spec.Senders {
			if err := checkSenderOwner(ctx, tx, pn.ID, true); err != nil {
				return err
			}
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

// holdsLegacy reports whether any stored (encrypted) secret is empty,
// unreadable or one of the legacy constants.
func (s *Service) holdsLegacy(legacy []string, encrypted ...string) bool {
	for _, e := range encrypted {
		// One this key cannot read (ZAPFLOW_SECRET_KEY changed) is
		// replaced too: the sandbox's secrets are ours to choose again.
		v, err := s.box.Decrypt(e)
		if err != nil || v == "" || slices.Contains(legacy, v) {
			return true
		}
	}
	return false
}
