package agent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// APIKey is an API key's record; the key itself is shown only at creation.
// A key belongs to a user and acts with that user's role.
type APIKey struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	UserID     int64      `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"` // nil: never used (to the minute, see touchEvery)
	RevokedAt  *time.Time `json:"revoked_at"`   // nil: the key works
}

// keyPrefix makes zapflow keys recognisable (and findable by secret scanners).
const keyPrefix = "zf_"

// touchEvery bounds how often a key's last use is written: API calls are
// not the webhook path, but one write per request would still contend with
// SQLite's single writer for nothing a person needs to the second.
const touchEvery = time.Minute

// CreateAPIKey makes a new key for a user and returns it in clear text
// once; only its SHA-256 is stored (keys are 32 random bytes, so a slow
// hash adds nothing). A key with no user could act as nobody: refused.
func (s *Service) CreateAPIKey(ctx context.Context, name string, userID int64) (APIKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return APIKey{}, "", apperr.Invalid("name", "invalid_api_key", "name is required: say what the key is for")
	}
	if userID <= 0 {
		return APIKey{}, "", apperr.Invalid("user_id", "invalid_api_key", "an API key belongs to a user: give the user it acts for")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return APIKey{}, "", err
	}
	key := keyPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	k := APIKey{Name: name, Prefix: key[:len(keyPrefix)+6], UserID: userID, CreatedAt: store.Time(store.Millis(now))}
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		// Read the user in the same transaction, so a missing user is a
		// named error rather than a foreign-key failure.
		if err := tx.QueryRow(ctx, `SELECT email FROM users WHERE id = ?`, userID).Scan(&k.UserEmail); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return &apperr.Error{Kind: apperr.KindInvalid, Code: "user_not_found", Field: "user_id", Message: "no user with this id"}
			}
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO api_keys (name, prefix, key_hash, user_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			name, k.Prefix, hashKey(key), userID, store.Millis(now)).Scan(&k.ID)
	})
	return k, key, err
}

const apiKeyColumns = `k.id, k.name, k.prefix, k.user_id, u.email, k.created_at, k.last_used_at, k.revoked_at`

func scanAPIKey(row store.Row) (APIKey, error) {
	var k APIKey
	var created, used, revoked int64
	if err := row.Scan(&k.ID, &k.Name, &k.Prefix, &k.UserID, &k.UserEmail, &created, &used, &revoked); err != nil {
		return k, err
	}
	k.CreatedAt = store.Time(created)
	if used != 0 {
		t := store.Time(used)
		k.LastUsedAt = &t
	}
	if revoked != 0 {
		t := store.Time(revoked)
		k.RevokedAt = &t
	}
	return k, nil
}

// ListAPIKeys returns every key (of one user when userID > 0), revoked
// ones included, oldest first.
func (s *Service) ListAPIKeys(ctx context.Context, userID int64) ([]APIKey, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys k JOIN users u ON u.id = k.user_id
		WHERE (? = 0 OR k.user_id = ?) ORDER BY k.id`, userID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	keys := []APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// GetAPIKey returns one key's record.
func (s *Service) GetAPIKey(ctx context.Context, id int64) (APIKey, error) {
	k, err := scanAPIKey(s.db.Read().QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return k, apperr.NotFound("API key")
	}
	return k, err
}

// RevokeAPIKey stops a key at once: AuthenticateKey reads the database on
// every request (no cache), so every instance refuses it from the next
// request on. Revoking a revoked key keeps its first revocation time.
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) (APIKey, error) {
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, store.Millis(s.now()), id)
		if err != nil {
			return err
		}
		if n == 0 {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM api_keys WHERE id = ?`, id).Scan(&one)
			if errors.Is(err, store.ErrNotFound) {
				return apperr.NotFound("API key")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return APIKey{}, err
	}
	return s.GetAPIKey(ctx, id)
}

// AuthenticateKey resolves a bearer key to the user it acts for. Revoked
// keys, and keys with no user (made before keys belonged to users), are
// refused.
func (s *Service) AuthenticateKey(ctx context.Context, key string) (Principal, error) {
	invalid := apperr.New(apperr.KindUnauthorized, "invalid_api_key", "the API key is not valid or was revoked")
	if !strings.HasPrefix(key, keyPrefix) {
		return Principal{}, invalid
	}
	var p Principal
	var lastUsed int64
	var perms string
	var active bool
	err := s.db.Read().QueryRow(ctx, `SELECT k.id, k.last_used_at, u.id, u.email, u.role, u.permissions, u.active FROM api_keys k
		JOIN users u ON u.id = k.user_id WHERE k.key_hash = ? AND k.revoked_at = 0`, hashKey(key)).
		Scan(&p.KeyID, &lastUsed, &p.UserID, &p.Email, &p.Role, &perms, &active)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, invalid
	}
	if err != nil {
		return Principal{}, err
	}
	if !active {
		return Principal{}, invalid // a deactivated user's keys stop with them
	}
	p.Permissions = decodePermissions(perms)
	if now := store.Millis(s.now()); now-lastUsed >= touchEvery.Milliseconds() {
		s.touch(ctx, p.KeyID, now)
	}
	return p, nil
}

// touch records a key's last use. A failure is not the caller's problem
// (the key is valid; its last use is for people reviewing keys), so it
// is not returned.
func (s *Service) touch(ctx context.Context, id, now int64) {
	_ = s.db.InTx(ctx, func(tx store.Tx) error {
		// The condition keeps two instances (or requests) racing on the
		// same minute from moving the time backwards.
		_, err := tx.Exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND last_used_at < ?`, now, id, now)
		return err
	})
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
