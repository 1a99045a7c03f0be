package agent

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Session lifetimes: a browser left alone for SessionIdle is logged out,
// and no session outlives SessionMax whatever its use.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 30 * 24 * time.Hour
	// sessionTouchEvery bounds how often a busy session writes its last use.
	sessionTouchEvery = time.Minute
)

// ErrNoSession means the cookie names no live session (expired, logged out,
// or its user deactivated): the browser must log in again.
var ErrNoSession = apperr.New(apperr.KindUnauthorized, "no_session", "log in to continue")

// CreateSession starts a browser session for u and returns the token the
// cookie carries. Only its hash is stored.
func (s *Service) CreateSession(ctx context.Context, userID int64, ip, userAgent string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, hashKey(token), userID, store.Millis(now), store.Millis(now), store.Millis(now.Add(SessionMax)), ip, userAgent)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, store.Millis(now), userID)
		return err
	})
	return token, err
}

// SessionUser returns the user of a live session and records its use.
func (s *Service) SessionUser(ctx context.Context, token string) (User, error) {
	if token == "" {
		return User{}, ErrNoSession
	}
	now := s.now()
	var u User
	var id, lastSeen, expires, created int64
	var active bool
	var perms string
	err := s.db.Read().QueryRow(ctx, `SELECT s.id, s.last_seen_at, s.expires_at, u.id, u.email, u.name, u.role, u.locale, u.sound, u.active,
			u.permissions, u.away, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, hashKey(token)).
		Scan(&id, &lastSeen, &expires, &u.ID, &u.Email, &u.Name, &u.Role, &u.Locale, &u.Sound, &active, &perms, &u.Away, &created)
	if errors.Is(err, store.ErrNotFound) {
		return User{}, ErrNoSession
	}
	if err != nil {
		return User{}, err
	}
	u.CreatedAt, u.Active, u.Permissions = store.Time(created), active, decodePermissions(perms)
	if !active || now.After(store.Time(expires)) || now.Sub(store.Time(lastSeen)) > SessionIdle {
		_ = s.deleteSession(ctx, id)
		return User{}, ErrNoSession
	}
	if now.Sub(store.Time(lastSeen)) > sessionTouchEvery {
		err := s.db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, store.Millis(now), id)
			return err
		})
		if err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// EndSession logs a browser out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	return s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hashKey(token))
		return err
	})
}

// EndUserSessions logs a user out everywhere (deactivation, new password).
func (s *Service) EndUserSessions(ctx context.Context, userID int64) error {
	return s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
		return err
	})
}

func (s *Service) deleteSession(ctx context.Context, id int64) error {
	return s.db.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
}

// decodePermissions reads the stored JSON list; anything unreadable grants
// nothing.
func decodePermissions(raw string) []string {
	var out []string
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return []string{}
	}
	return out
}
