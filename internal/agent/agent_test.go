package agent_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func TestUsersAndKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := agent.New(db, nil)

		u, err := s.CreateUser(ctx, "Ana@Example.com", "Ana", agent.RoleAdmin, "correct horse")
		require.NoError(t, err)
		require.Equal(t, "ana@example.com", u.Email)

		_, err = s.CreateUser(ctx, "ana@example.com", "Ana 2", agent.RoleAgent, "correct horse")
		ae, ok := apperr.As(err)
		require.True(t, ok)
		require.Equal(t, "user_exists", ae.Code)

		_, err = s.CreateUser(ctx, "bob@example.com", "Bob", "boss", "correct horse")
		require.ErrorContains(t, err, "role must be admin or agent")

		got, err := s.Authenticate(ctx, "ana@example.com", "correct horse")
		require.NoError(t, err)
		require.Equal(t, u.ID, got.ID)
		_, err = s.Authenticate(ctx, "ana@example.com", "wrong")
		ae, _ = apperr.As(err)
		require.Equal(t, "invalid_login", ae.Code)

		k, key, err := s.CreateAPIKey(ctx, "crm", u.ID)
		require.NoError(t, err)
		require.True(t, len(key) > 40)
		require.Equal(t, key[:len(k.Prefix)], k.Prefix)
		p, err := s.AuthenticateKey(ctx, key)
		require.NoError(t, err)
		require.Equal(t, agent.Principal{UserID: u.ID, Email: "ana@example.com", Role: agent.RoleAdmin, KeyID: k.ID, Permissions: []string{}}, p)

		_, err = s.AuthenticateKey(ctx, key+"x")
		ae, _ = apperr.As(err)
		require.Equal(t, "invalid_api_key", ae.Code)

		var stored string
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT key_hash FROM api_keys WHERE id = ?`, k.ID).Scan(&stored))
		require.NotContains(t, stored, key[3:], "the key itself must not be stored")
	})
}
