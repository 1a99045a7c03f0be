package agent

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// Error codes of user management, stable for API callers.
const (
	CodeInvalidUser = "invalid_user"
	CodeLastAdmin   = "last_admin"
	CodeWrongPass   = "wrong_password"
)

// maxNameLen bounds a user's display name (runes).
const maxNameLen = 100

const userColumns = `id, email, name, role, active, locale, sound, permissions, away, created_at, last_login_at`

func scanUser(row store.Row) (User, error) {
	var u User
	var perms string
	var created, lastLogin int64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &u.Locale, &u.Sound, &perms, &u.Away, &created, &lastLogin); err != nil {
		return u, err
	}
	u.Permissions, u.CreatedAt = decodePermissions(perms), store.Time(created)
	if lastLogin != 0 {
		t := store.Time(lastLogin)
		u.LastLoginAt = &t
	}
	return u, nil
}

// ListUsers returns every user, active ones first, then by name.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY active DESC, LOWER(name), email`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	users := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// GetUser returns one user.
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.db.Read().QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, store.ErrNotFound) {
		return u, apperr.NotFound("user")
	}
	return u, err
}

// NewUser is what an admin gives to create a user from the users page or
// API (the command line's 'admin create' uses CreateUser directly).
type NewUser struct {
	Email       string
	Name        string
	Role        string
	Password    string
	Permissions []string
}

// AddUser creates a user with a name and, for agents, the permissions
// granted. Only an admin may create an admin: an agent allowed to manage
// users must not be able to raise anyone (themselves included) above
// what they have.
func (s *Service) AddUser(ctx context.Context, actor Principal, in NewUser) (User, error) {
	name, err := checkName(in.Name)
	if err != nil {
		return User{}, err
	}
	if in.Role == RoleAdmin && !actor.IsAdmin() {
		return User{}, errOnlyAdmins()
	}
	perms, err := normalizePermissions(in.Role, in.Permissions)
	if err != nil {
		return User{}, err
	}
	if err := checkGrant(actor, nil, perms); err != nil {
		return User{}, err
	}
	u, err := s.CreateUser(ctx, in.Email, name, in.Role, in.Password)
	if err != nil {
		return u, err
	}
	if len(perms) > 0 {
		if err := s.db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE users SET permissions = ? WHERE id = ?`, encodePermissions(perms), u.ID)
			return err
		}); err != nil {
			return u, err
		}
	}
	u.Permissions = perms
	return u, nil
}

// UserChange is an edit of a user; nil fields stay as they are.
type UserChange struct {
	Name        *string
	Role        *string
	Permissions *[]string
	Active      *bool
	Away        *bool
	// Password sets a new password (an admin's reset): the user's
	// sessions end, so whoever knew the old one is out.
	Password *string
	Locale   *string
	Sound    *string
}

// UpdateUser applies an edit. Deactivating a user or resetting their
// password ends all their sessions in the same transaction (their API
// keys stop too: AuthenticateKey checks the user is active). No edit may
// leave zero active admins (last_admin), and only an admin may touch an
// admin or make one.
func (s *Service) UpdateUser(ctx context.Context, actor Principal, id int64, ch UserChange) (User, error) {
	var hash string
	if ch.Password != nil {
		if err := checkPasswordRule("password", *ch.Password); err != nil {
			return User{}, err
		}
		h, err := s.hashPassword(*ch.Password)
		if err != nil {
			return User{}, err
		}
		hash = h
	}
	var out User
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("user")
		}
		if err != nil {
			return err
		}
		if !actor.IsAdmin() && (u.Role == RoleAdmin || (ch.Role != nil && *ch.Role == RoleAdmin)) {
			return errOnlyAdmins()
		}
		wasAdmin := u.Role == RoleAdmin && u.Active
		before := u.Permissions
		if err := applyChange(&u, ch); err != nil {
			return err
		}
		if err := checkGrant(actor, before, u.Permissions); err != nil {
			return err
		}
		if wasAdmin && (u.Role != RoleAdmin || !u.Active) {
			if err := s.checkOtherAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET name = ?, role = ?, permissions = ?, active = ?, away = ?, locale = ?, sound = ?, updated_at = ? WHERE id = ?`,
			u.Name, u.Role, encodePermissions(u.Permissions), u.Active, u.Away, u.Locale, u.Sound, store.Millis(s.now()), id); err != nil {
			return err
		}
		if hash != "" {
			if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id); err != nil {
				return err
			}
		}
		if hash != "" || !u.Active {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		out = u
		return nil
	})
	return out, err
}

// applyChange validates ch and applies it to u.
func applyChange(u *User, ch UserChange) error {
	if ch.Name != nil {
		name, err := checkName(*ch.Name)
		if err != nil {
			return err
		}
		u.Name = name
	}
	if ch.Role != nil {
		if *ch.Role != RoleAdmin && *ch.Role != RoleAgent {
			return apperr.Invalid("role", CodeInvalidUser, "role must be admin or agent")
		}
		u.Role = *ch.Role
	}
	if ch.Permissions != nil {
		u.Permissions = *ch.Permissions
	}
	perms, err := normalizePermissions(u.Role, u.Permissions)
	if err != nil {
		return err
	}
	u.Permissions = perms
	if ch.Active != nil {
		u.Active = *ch.Active
	}
	if ch.Away != nil {
		u.Away = *ch.Away
	}
	if ch.Locale != nil {
		if l := *ch.Locale; l != "" && l != "en" && l != "pt-BR" {
			return apperr.Invalid("locale", CodeInvalidUser, `locale must be "" (follow the browser), "en" or "pt-BR"`)
		}
		u.Locale = *ch.Locale
	}
	if ch.Sound != nil {
		if s := *ch.Sound; s != "" && s != "on" && s != "off" {
			return apperr.Invalid("sound", CodeInvalidUser, `sound must be "" (follow the team default), "on" or "off"`)
		}
		u.Sound = *ch.Sound
	}
	return nil
}

// checkOtherAdmin refuses a change that would take away the last active
// admin (nobody could manage zapflow any more). On PostgreSQL the active
// admins' rows are locked, so two admins demoting each other at the same
// moment cannot both succeed; SQLite has one writer at a time anyway.
func (s *Service) checkOtherAdmin(ctx context.Context, tx store.Tx, id int64) error {
	q := `SELECT id FROM users WHERE role = ? AND active = ?`
	if s.db.Dialect() == store.Postgres {
		q += ` FOR UPDATE`
	}
	rows, err := tx.Query(ctx, q, RoleAdmin, true)
	if err != nil {
		return err
	}
	defer rows.Close()
	others := 0
	for rows.Next() {
		var other int64
		if err := rows.Scan(&other); err != nil {
			return err
		}
		if other != id {
			others++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if others == 0 {
		return &apperr.Error{Kind: apperr.KindConflict, Code: CodeLastAdmin, Field: "role",
			Message: "this is the last active admin: make another user an admin first"}
	}
	return nil
}

// ChangeOwnPassword sets a user's password after checking the current
// one, and ends their other sessions (keepToken's stays: the person
// changing it keeps working).
func (s *Service) ChangeOwnPassword(ctx context.Context, id int64, current, next, keepToken string) error {
	var hash string
	err := s.db.Read().QueryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, id).Scan(&hash)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("user")
	}
	if err != nil {
		return err
	}
	if !checkPassword(hash, current) {
		return apperr.Invalid("current_password", CodeWrongPass, "the current password is wrong")
	}
	if err := checkPasswordRule("new_password", next); err != nil {
		return err
	}
	newHash, err := s.hashPassword(next)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, newHash, store.Millis(s.now()), id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, id, hashKey(keepToken))
		return err
	})
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", apperr.Invalid("name", CodeInvalidUser, "name is required")
	}
	if utf8.RuneCountInString(name) > maxNameLen {
		return "", apperr.Invalid("name", CodeInvalidUser, "name is longer than 100 characters")
	}
	return name, nil
}

func checkPasswordRule(field, p string) error {
	if len(p) < 8 {
		return apperr.Invalid(field, CodeInvalidUser, "password must have at least 8 characters")
	}
	return nil
}

// normalizePermissions checks every name and returns them once each, in
// AllPermissions' order. Admins have every permission, so theirs are
// not stored.
func normalizePermissions(role string, perms []string) ([]string, error) {
	for _, p := range perms {
		if !slices.Contains(AllPermissions, p) {
			return nil, apperr.Invalid("permissions", CodeInvalidUser, "unknown permission "+p+": use "+strings.Join(AllPermissions, ", "))
		}
	}
	out := []string{}
	if role == RoleAdmin {
		return out, nil
	}
	for _, p := range AllPermissions {
		if slices.Contains(perms, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

func encodePermissions(perms []string) string {
	if len(perms) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(perms) // a list of strings always encodes
	return string(b)
}

// checkGrant refuses a non-admin granting a permission they do not
// have themselves (an agent managing users could otherwise hand
// themselves, or a friend, any permission). Keeping or taking away
// permissions is always allowed.
func checkGrant(actor Principal, before, after []string) error {
	if actor.IsAdmin() {
		return nil
	}
	for _, p := range after {
		if !slices.Contains(before, p) && !actor.Can(p) {
			return &apperr.Error{Kind: apperr.KindForbidden, Code: "forbidden", Field: "permissions",
				Message: "you can grant only permissions you have yourself: " + p + " needs an admin"}
		}
	}
	return nil
}

func errOnlyAdmins() error {
	return apperr.New(apperr.KindForbidden, "forbidden", "only an admin may create, edit or make an admin")
}

// Principal is the caller u acts as (a browser session's user), for the
// checks shared with API keys.
func (u User) Principal() Principal {
	return Principal{UserID: u.ID, Email: u.Email, Role: u.Role, Permissions: u.Permissions}
}
