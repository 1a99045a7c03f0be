package account

import (
	"context"
	"errors"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// CodeSandboxOff is the error code of anything that names the sandbox
// account or one of its numbers while the sandbox is off.
const CodeSandboxOff = "sandbox_off"

// errSandboxOff is a not-found, so webhook intake answers 404
// unknown_account, as for an account that does not exist, and a send from a
// sandbox number fails for good instead of being retried.
func errSandboxOff() error {
	return &apperr.Error{Kind: apperr.KindNotFound, Code: CodeSandboxOff, Field: "sender",
		Message: "the sandbox is off (ZAPFLOW_SANDBOX=false, or a real account exists with ZAPFLOW_SANDBOX=auto): its account and numbers neither receive webhooks nor send"}
}

// IsSandboxOff reports whether err says the sandbox is off.
func IsSandboxOff(err error) bool {
	ae, ok := apperr.As(err)
	return ok && ae.Code == CodeSandboxOff
}

// SetSandboxActive tells the service whether the built-in sandbox runs in
// this process. While it does not, the sandbox account and its senders
// cannot receive webhooks, send, or be checked: the sandbox is a demo,
// never a door into a real installation.
func (s *Service) SetSandboxActive(on bool) { s.sandboxOn.Store(on) }

// SandboxActive reports what SetSandboxActive last said.
func (s *Service) SandboxActive() bool { return s.sandboxOn.Load() }

// usable refuses the sandbox account while the sandbox is off.
func (s *Service) usable(a Account) error {
	if a.Sandbox && !s.sandboxOn.Load() {
		return errSandboxOff()
	}
	return nil
}

// OnRealAccountCreated registers fn to run after a real (non-sandbox)
// account is created, before CreateAccount returns: with
// ZAPFLOW_SANDBOX=auto the app turns the sandbox off there and then, not
// at the next start. Register hooks while wiring, before serving.
func (s *Service) OnRealAccountCreated(fn func(context.Context, Account)) {
	s.mu.Lock()
	s.onReal = append(s.onReal, fn)
	s.mu.Unlock()
}

func (s *Service) realAccountCreated(ctx context.Context, a Account) {
	s.mu.RLock()
	hooks := append([]func(context.Context, Account){}, s.onReal...)
	s.mu.RUnlock()
	for _, fn := range hooks {
		fn(ctx, a)
	}
}

// RealSenderExists reports whether a real (non-sandbox) account has a
// sender with this phone number id; the sandbox may not simulate it.
func (s *Service) RealSenderExists(ctx context.Context, phoneNumberID string) (bool, error) {
	var n int
	err := s.db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM senders s JOIN accounts a ON a.id = s.account_id
		WHERE s.phone_number_id = ? AND a.sandbox = ?`, phoneNumberID, false).Scan(&n)
	return n > 0, err
}

// checkSenderOwner refuses a phone number id that would make a sandbox
// number and a real one the same sender, whichever comes second.
func checkSenderOwner(ctx context.Context, q store.Querier, phoneNumberID string, forSandbox bool) error {
	var ownerSandbox bool
	err := q.QueryRow(ctx, `SELECT a.sandbox FROM senders s JOIN accounts a ON a.id = s.account_id WHERE s.phone_number_id = ?`,
		phoneNumberID).Scan(&ownerSandbox)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case ownerSandbox && !forSandbox:
		return &apperr.Error{Kind: apperr.KindConflict, Code: "sandbox_sender_id", Field: "phone_number_id",
			Message: "phone_number_id " + phoneNumberID + " is one of the sandbox's simulated numbers: a real account cannot use it"}
	case !ownerSandbox && forSandbox:
		return &apperr.Error{Kind: apperr.KindConflict, Code: "real_sender_id", Field: "phone_number_id",
			Message: "phone_number_id " + phoneNumberID + " is a real account's number: the sandbox cannot simulate it"}
	}
	return nil
}

// SandboxAppSecret returns the app secret the installation's sandbox signs
// its webhooks with, for `zapflow sandbox secret` (load tests and scripts
// that post webhooks of their own need it; it is random per installation).
func (s *Service) SandboxAppSecret(ctx context.Context) (string, error) {
	a, err := s.scanAccount(s.db.Read().QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE sandbox = ? ORDER BY id LIMIT 1`, true))
	if errors.Is(err, store.ErrNotFound) {
		return "", &apperr.Error{Kind: apperr.KindNotFound, Code: "no_sandbox",
			Message: "this installation has no sandbox account: start zapflow once with the sandbox on (ZAPFLOW_SANDBOX=true or auto)"}
	}
	return a.AppSecret, err
}
