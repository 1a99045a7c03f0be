package agent_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	ae, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, code, ae.Code)
}

// A key acts with its user's role; a key with no user or an unknown user
// cannot be made.
func TestAPIKeyActsAsItsUser(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := agent.New(db, nil)
		u, err := s.CreateUser(ctx, "agent@example.com", "Bia", agent.RoleAgent, "correct horse")
		require.NoError(t, err)
		k, key, err := s.CreateAPIKey(ctx, "bia's script", u.ID)
		require.NoError(t, err)
		p, err := s.AuthenticateKey(ctx, key)
		require.NoError(t, err)
		require.Equal(t, agent.Principal{UserID: u.ID, Email: "agent@example.com", Role: agent.RoleAgent, KeyID: k.ID, Permissions: []string{}}, p)
		require.False(t, p.IsAdmin())

		_, _, err = s.CreateAPIKey(ctx, "nobody's", 0)
		requireCode(t, err, "invalid_api_key")
		_, _, err = s.CreateAPIKey(ctx, "ghost's", u.ID+100)
		requireCode(t, err, "user_not_found")
		n := 0
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM api_keys`).Scan(&n))
		require.Equal(t, 1, n)

		found, err := s.UserByEmail(ctx, " Agent@Example.com ")
		require.NoError(t, err)
		require.Equal(t, u.ID, found.ID)
		_, err = s.UserByEmail(ctx, "nobody@example.com")
		requireCode(t, err, "user_not_found")
	})
}

// A revoked key is refused on the very next request (no cache), and stays
// listed with its revocation time.
func TestAPIKeyRevoke(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		s := agent.New(db, c.now)
		u, err := s.CreateUser(ctx, "admin@example.com", "Admin", agent.RoleAdmin, "correct horse")
		require.NoError(t, err)
		k1, key1, err := s.CreateAPIKey(ctx, "crm", u.ID)
		require.NoError(t, err)
		k2, key2, err := s.CreateAPIKey(ctx, "erp", u.ID)
		require.NoError(t, err)
		_, err = s.AuthenticateKey(ctx, key1)
		require.NoError(t, err)

		c.t = c.t.Add(time.Hour)
		got, err := s.RevokeAPIKey(ctx, k1.ID)
		require.NoError(t, err)
		require.NotNil(t, got.RevokedAt)
		require.Equal(t, c.t, *got.RevokedAt)
		_, err = s.AuthenticateKey(ctx, key1)
		requireCode(t, err, "invalid_api_key")
		_, err = s.AuthenticateKey(ctx, key2)
		require.NoError(t, err, "revoking one key leaves the others")

		// Revoking again keeps the first time.
		c.t = c.t.Add(time.Hour)
		again, err := s.RevokeAPIKey(ctx, k1.ID)
		require.NoError(t, err)
		require.Equal(t, *got.RevokedAt, *again.RevokedAt)
		_, err = s.RevokeAPIKey(ctx, 999)
		requireCode(t, err, "not_found")

		keys, err := s.ListAPIKeys(ctx, 0)
		require.NoError(t, err)
		require.Len(t, keys, 2)
		require.Equal(t, k1.ID, keys[0].ID)
		require.NotNil(t, keys[0].RevokedAt)
		require.Equal(t, k2.ID, keys[1].ID)
		require.Nil(t, keys[1].RevokedAt)
		require.Equal(t, "admin@example.com", keys[1].UserEmail)
		mine, err := s.ListAPIKeys(ctx, u.ID)
		require.NoError(t, err)
		require.Len(t, mine, 2)
		none, err := s.ListAPIKeys(ctx, u.ID+1)
		require.NoError(t, err)
		require.Empty(t, none)
	})
}

// Last use is recorded, but written at most once a minute per key.
func TestAPIKeyLastUseThrottled(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		c := &clock{t: start}
		s := agent.New(db, c.now)
		u, err := s.CreateUser(ctx, "admin@example.com", "Admin", agent.RoleAdmin, "correct horse")
		require.NoError(t, err)
		k, key, err := s.CreateAPIKey(ctx, "crm", u.ID)
		require.NoError(t, err)
		lastUsed := func() *time.Time {
			got, err := s.GetAPIKey(ctx, k.ID)
			require.NoError(t, err)
			return got.LastUsedAt
		}
		require.Nil(t, lastUsed(), "never used")

		_, err = s.AuthenticateKey(ctx, key)
		require.NoError(t, err)
		require.Equal(t, start, *lastUsed())

		c.t = start.Add(59 * time.Second)
		_, err = s.AuthenticateKey(ctx, key)
		require.NoError(t, err)
		require.Equal(t, start, *lastUsed(), "within the minute: no write")

		c.t = start.Add(61 * time.Second)
		_, err = s.AuthenticateKey(ctx, key)
		require.NoError(t, err)
		require.Equal(t, c.t, *lastUsed())
	})
}

// Keys made before keys belonged to users (user_id NULL) are refused even
// if one survived the migration.
func TestAPIKeyWithoutUserRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := agent.New(db, nil)
		u, err := s.CreateUser(ctx, "admin@example.com", "Admin", agent.RoleAdmin, "correct horse")
		require.NoError(t, err)
		_, key, err := s.CreateAPIKey(ctx, "crm", u.ID)
		require.NoError(t, err)
		// Deleting the user deletes the key (ON DELETE CASCADE); either way
		// it no longer authenticates.
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM users WHERE id = ?`, u.ID)
			return err
		}))
		_, err = s.AuthenticateKey(ctx, key)
		requireCode(t, err, "invalid_api_key")
	})
}
