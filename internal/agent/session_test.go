package agent_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/testclock"
)

// TestSessionsExpire shows a session ends after SessionIdle without use,
// after SessionMax whatever its use, at logout and for everyone of a user
// logged out everywhere; only a hash of the token is stored.
func TestSessionsExpire(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		clock := testclock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		s := agent.New(db, clock.Now)
		u, err := s.CreateUser(ctx, "ana@example.com", "Ana", agent.RoleAgent, "correct horse")
		require.NoError(t, err)

		idle, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "test")
		require.NoError(t, err)
		var stored int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, idle).Scan(&stored))
		require.Zero(t, stored, "the token itself is never stored")

		busy, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "test")
		require.NoError(t, err)
		for range 11 { // 11 h of use, an hour apart
			clock.Add(time.Hour)
			got, err := s.SessionUser(ctx, busy)
			require.NoError(t, err)
			require.Equal(t, u.ID, got.ID)
		}
		clock.Add(2 * time.Hour) // idle's last use was 13 h ago
		_, err = s.SessionUser(ctx, idle)
		require.ErrorIs(t, err, agent.ErrNoSession)
		_, err = s.SessionUser(ctx, busy)
		require.NoError(t, err)

		for range 29 * 24 / 11 { // used all along, until past SessionMax
			clock.Add(11 * time.Hour)
			_, err = s.SessionUser(ctx, busy)
			require.NoError(t, err)
		}
		clock.Add(24 * time.Hour)
		_, err = s.SessionUser(ctx, busy)
		require.ErrorIs(t, err, agent.ErrNoSession, "no session outlives SessionMax")

		a, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "a")
		require.NoError(t, err)
		b, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "b")
		require.NoError(t, err)
		require.NoError(t, s.EndSession(ctx, a))
		_, err = s.SessionUser(ctx, a)
		require.ErrorIs(t, err, agent.ErrNoSession)
		_, err = s.SessionUser(ctx, b)
		require.NoError(t, err)
		require.NoError(t, s.EndUserSessions(ctx, u.ID))
		_, err = s.SessionUser(ctx, b)
		require.ErrorIs(t, err, agent.ErrNoSession)
	})
}
