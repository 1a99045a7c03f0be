// Package agent keeps the people who use zapflow (admins and agents, F26)
// and the API keys that integrations authenticate with: every key belongs
// to a user and acts with that user's role.
package agent

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Roles.
const (
	RoleAdmin = "admin"
	RoleAgent = "agent"
)

// User is an admin or an agent.
type User struct {
	ID     int64  `json:"id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Active bool   `json:"active"`
	Locale string `json:"locale,omitempty"` // "", "en" or "pt-BR"; "" follows the browser
	Sound  string `json:"sound,omitempty"`  // "", "on" or "off"; "" follows the admin default
	// Permissions an admin granted (agents; see Can). Away agents are
	// skipped by automatic assignment.
	Permissions []string  `json:"permissions"`
	Away        bool      `json:"away"`
	CreatedAt   time.Time `json:"created_at"`
	// LastLoginAt is the last web app login (nil: never); filled by the
	// user management reads (ListUsers, GetUser, UpdateUser) only.
	LastLoginAt *time.Time `json:"last_login_at"`
}

// Service manages users and API keys.
type Service struct {
	db  store.DB
	now func() time.Time
	// iterations is the PBKDF2 cost of new password hashes.
	iterations int
}

// New builds a Service.
func New(db store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now, iterations: pbkdf2Iterations}
}

// pbkdf2Iterations follows OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
const pbkdf2Iterations = 600_000

// SetPasswordCost sets the PBKDF2 iterations of the password hashes made
// from now on; a check always uses the count stored with the hash. Only
// tests lower it: they create and sign in hundreds of users, and one hash
// at the default costs a third of a second, several under the race
// detector. Nothing a user configures reaches it.
func (s *Service) SetPasswordCost(iterations int) {
	s.iterations = max(iterations, 1)
}

// hashPassword returns "pbkdf2-sha256$<iterations>$<salt>$<hash>".
func (s *Service) hashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, s.iterations, 32)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("pbkdf2-sha256$%d$%s$%s", s.iterations, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// decoyHash is a well-formed hash at the current cost that no password
// matches (its key is all zeros).
func (s *Service) decoyHash() string {
	return fmt.Sprintf("pbkdf2-sha256$%d$%s$%s", s.iterations,
		base64.RawStdEncoding.EncodeToString(make([]byte, 16)), base64.RawStdEncoding.EncodeToString(make([]byte, 32)))
}

func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// GeneratePassword returns a random password for the first admin.
func GeneratePassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateUser adds a user.
func (s *Service) CreateUser(ctx context.Context, email, name, role, password string) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if _, err := mail.ParseAddress(email); err != nil {
		return User{}, apperr.Invalid("email", "invalid_user", "email is not a valid address")
	}
	if role != RoleAdmin && role != RoleAgent {
		return User{}, apperr.Invalid("role", "invalid_user", "role must be admin or agent")
	}
	if len(password) < 8 {
		return User{}, apperr.Invalid("password", "invalid_user", "password must have at least 8 characters")
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	u := User{Email: email, Name: name, Role: role, Active: true, CreatedAt: now}
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO users (email, name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			email, name, role, hash, store.Millis(now), store.Millis(now)).Scan(&u.ID)
	})
	if errors.Is(err, store.ErrConflict) {
		return u, &apperr.Error{Kind: apperr.KindConflict, Code: "user_exists", Field: "email", Message: "a user with this email already exists"}
	}
	return u, err
}

// Authenticate checks an email and password.
func (s *Service) Authenticate(ctx context.Context, email, password string) (User, error) {
	var u User
	var hash string
	var created int64
	err := s.db.Read().QueryRow(ctx, `SELECT id, email, name, role, locale, sound, active, password_hash, created_at FROM users WHERE email = ?`,
		strings.ToLower(strings.TrimSpace(email))).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Locale, &u.Sound, &u.Active, &hash, &created)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	unknown := err != nil
	if unknown {
		// The same work as a wrong password, so how long the answer takes
		// does not tell whether the address has an account.
		hash = s.decoyHash()
	}
	if !checkPassword(hash, password) || unknown || !u.Active {
		return User{}, apperr.New(apperr.KindUnauthorized, "invalid_login", "wrong email or password")
	}
	u.CreatedAt = store.Time(created)
	return u, nil
}

// CountUsers says how many users exist (0 on a fresh install).
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// UserByEmail finds a user by login e-mail (case-insensitive).
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	var created int64
	err := s.db.Read().QueryRow(ctx, `SELECT id, email, name, role, created_at FROM users WHERE email = ?`,
		strings.ToLower(strings.TrimSpace(email))).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &created)
	if errors.Is(err, store.ErrNotFound) {
		return u, &apperr.Error{Kind: apperr.KindNotFound, Code: "user_not_found", Field: "user_email", Message: "no user with this email: create one with 'zapflow admin create'"}
	}
	u.CreatedAt = store.Time(created)
	return u, err
}
