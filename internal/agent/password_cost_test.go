package agent_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Passwords are hashed at OWASP's 600,000 PBKDF2 iterations unless a test
// lowers the cost; a check uses the count stored with each hash, so a
// password hashed before the cost changed still signs in, and a wrong one
// still does not.
func TestPasswordCostIsStoredWithTheHash(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := agent.New(db, nil)
		iterations := func(email string) string {
			var hash string
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT password_hash FROM users WHERE email = ?`, email).Scan(&hash))
			return strings.Split(hash, "$")[1]
		}
		_, err := s.CreateUser(ctx, "strong@example.com", "Strong", agent.RoleAdmin, "correct horse")
		require.NoError(t, err)
		require.Equal(t, "600000", iterations("strong@example.com"))

		s.SetPasswordCost(1000)
		_, err = s.CreateUser(ctx, "cheap@example.com", "Cheap", agent.RoleAgent, "battery staple")
		require.NoError(t, err)
		require.Equal(t, "1000", iterations("cheap@example.com"))

		for email, password := range map[string]string{"strong@example.com": "correct horse", "cheap@example.com": "battery staple"} {
			u, err := s.Authenticate(ctx, email, password)
			require.NoError(t, err)
			require.Equal(t, email, u.Email)
			_, err = s.Authenticate(ctx, email, password+"!")
			require.Error(t, err)
		}
		// An unknown address gets the wrong password's answer, word for
		// word (and the same PBKDF2 work, against a hash nothing matches).
		_, wrong := s.Authenticate(ctx, "cheap@example.com", "nope")
		for _, password := range []string{"nope", "", "battery staple"} {
			_, err := s.Authenticate(ctx, "nobody@example.com", password)
			require.Equal(t, wrong, err)
		}
	})
}
