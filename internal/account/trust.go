package account

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Trust is what a webhook signed by one account may change: the accounts
// that share its app secret. Several WABAs under one Meta app share the
// app's secret and callback URL, so Meta may deliver one WABA's events to
// another's webhook URL; anything outside the group was not signed by its
// owner and must not be applied.
type Trust struct {
	// Signer is the account whose secret verified the webhook.
	Signer int64
	// WABAs maps the WABA id of every account in the group to its id.
	WABAs map[string]int64
}

// Allows reports whether accountID is in the group.
func (t Trust) Allows(accountID int64) bool {
	for _, id := range t.WABAs {
		if id == accountID {
			return true
		}
	}
	return false
}

// AccountOf returns the account in the group whose WABA id is wabaID.
func (t Trust) AccountOf(wabaID string) (int64, bool) {
	id, ok := t.WABAs[wabaID]
	return id, ok
}

// trustTable is every account's WABA id and a digest of its app secret,
// read at most once per secretsTTL: processing asks for it on every event.
type trustTable struct {
	mu      sync.Mutex
	rows    []trustRow
	expires time.Time
}

type trustRow struct {
	id     int64
	waba   string
	secret [sha256.Size]byte
}

func (t *trustTable) reset() {
	t.mu.Lock()
	t.expires = time.Time{}
	t.mu.Unlock()
}

// TrustFor returns the group of accounts that share signer's app secret.
// Inside a transaction pass it as q (see CachedAccountIn).
func (s *Service) TrustFor(ctx context.Context, q store.Querier, signer int64) (Trust, error) {
	rows, err := s.trustRows(ctx, q)
	if err != nil {
		return Trust{}, err
	}
	t := Trust{Signer: signer, WABAs: map[string]int64{}}
	var own [sha256.Size]byte
	found := false
	for _, r := range rows {
		if r.id == signer {
			own, found = r.secret, true
		}
	}
	if !found {
		return t, nil // deleted since: it speaks for nobody
	}
	for _, r := range rows {
		if r.secret == own {
			t.WABAs[r.waba] = r.id
		}
	}
	return t, nil
}

func (s *Service) trustRows(ctx context.Context, q store.Querier) ([]trustRow, error) {
	now := s.now()
	s.trust.mu.Lock()
	defer s.trust.mu.Unlock()
	if now.Before(s.trust.expires) {
		return s.trust.rows, nil
	}
	rows, err := q.Query(ctx, `SELECT id, waba_id, app_secret FROM accounts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []trustRow
	for rows.Next() {
		var r trustRow
		var enc string
		if err := rows.Scan(&r.id, &r.waba, &enc); err != nil {
			return nil, err
		}
		plain, err := s.box.Decrypt(enc)
		if err != nil {
			return nil, err
		}
		if plain == "" {
			// An account without a secret accepts no webhook, and shares a
			// group with nobody.
			plain = "\x00no secret:" + r.waba
		}
		r.secret = sha256.Sum256([]byte(plain))
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.trust.rows, s.trust.expires = out, now.Add(secretsTTL)
	return out, nil
}
