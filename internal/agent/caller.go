package agent

import "context"

// Principal is who an authenticated request acts for: always a user, with
// that user's role, whether the request came with an API key or (later) a
// browser session.
type Principal struct {
	UserID int64
	Email  string
	Role   string
	KeyID  int64 // the API key used, 0 for a session
	// Permissions an admin granted the user (see Can).
	Permissions []string
}

// Can reports whether the caller has permission perm (admins have all).
func (p Principal) Can(perm string) bool {
	return User{Role: p.Role, Permissions: p.Permissions}.Can(perm)
}

// IsAdmin reports whether the caller may administer zapflow.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

type principalKey struct{}

// WithPrincipal returns ctx carrying p, so handlers and services below the
// HTTP layer can tell who acts without another parameter.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller ctx carries, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
