package agent_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// TestTwoAdminsDemotingEachOtherKeepOne shows the last-admin rule holds
// when the two last admins demote each other at the same moment: exactly
// one change goes through, the other answers last_admin, and one active
// admin remains (on PostgreSQL the admins' rows are locked for the check).
func TestTwoAdminsDemotingEachOtherKeepOne(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := agent.New(db, nil)
		a, err := s.CreateUser(ctx, "a@example.com", "A", agent.RoleAdmin, "correct horse")
		require.NoError(t, err)
		b, err := s.CreateUser(ctx, "b@example.com", "B", agent.RoleAdmin, "correct horse")
		require.NoError(t, err)

		for round := range 5 {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, pair := range [][2]agent.User{{a, b}, {b, a}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					off := false
					_, errs[i] = s.UpdateUser(ctx, pair[0].Principal(), pair[1].ID, agent.UserChange{Active: &off})
				}()
			}
			wg.Wait()
			failed := 0
			for _, err := range errs {
				if err != nil {
					ae, ok := apperr.As(err)
					require.True(t, ok, "round %d: %v", round, err)
					require.Equal(t, agent.CodeLastAdmin, ae.Code)
					failed++
				}
			}
			require.Equal(t, 1, failed, "round %d: exactly one deactivation goes through", round)
			users, err := s.ListUsers(ctx)
			require.NoError(t, err)
			active := 0
			for _, u := range users {
				if u.Active && u.Role == agent.RoleAdmin {
					active++
				}
			}
			require.Equal(t, 1, active, "round %d", round)
			on := true
			for _, u := range []agent.User{a, b} {
				_, err := s.UpdateUser(ctx, agent.Principal{UserID: u.ID, Role: agent.RoleAdmin}, u.ID, agent.UserChange{Active: &on})
				require.NoError(t, err)
			}
		}
	})
}

// TestChangeOwnPasswordKeepsThisSession shows a password change needs
// the current password and ends every session but the one making it.
func TestChangeOwnPasswordKeepsThisSession(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := agent.New(db, nil)
		u, err := s.CreateUser(ctx, "a@example.com", "A", agent.RoleAgent, "correct horse")
		require.NoError(t, err)
		here, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "t")
		require.NoError(t, err)
		there, err := s.CreateSession(ctx, u.ID, "127.0.0.1", "t")
		require.NoError(t, err)

		err = s.ChangeOwnPassword(ctx, u.ID, "not it", "new password", here)
		ae, ok := apperr.As(err)
		require.True(t, ok)
		require.Equal(t, agent.CodeWrongPass, ae.Code)
		require.Equal(t, "current_password", ae.Field)

		require.NoError(t, s.ChangeOwnPassword(ctx, u.ID, "correct horse", "new password", here))
		_, err = s.SessionUser(ctx, here)
		require.NoError(t, err, "this session stays")
		_, err = s.SessionUser(ctx, there)
		require.ErrorIs(t, err, agent.ErrNoSession)
		_, err = s.Authenticate(ctx, "a@example.com", "new password")
		require.NoError(t, err)
	})
}
