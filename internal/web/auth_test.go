package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A handler behind authentication finds its caller, a user, in the
// request context; the role check is the one authorize.
func TestAuthenticatedRequestCarriesUser(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	agents := agent.New(db, nil)
	admin, err := agents.CreateUser(ctx, "admin@example.com", "Admin", agent.RoleAdmin, "correct horse")
	require.NoError(t, err)
	bia, err := agents.CreateUser(ctx, "bia@example.com", "Bia", agent.RoleAgent, "correct horse")
	require.NoError(t, err)
	_, adminKey, err := agents.CreateAPIKey(ctx, "a", admin.ID)
	require.NoError(t, err)
	biaKeyRec, biaKey, err := agents.CreateAPIKey(ctx, "b", bia.ID)
	require.NoError(t, err)

	s := &server{Deps: Deps{Agents: agents, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	var seen agent.Principal
	var ok bool
	handler := func(w http.ResponseWriter, r *http.Request) error {
		seen, ok = agent.PrincipalFrom(r.Context())
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	serve := func(need auth, key string) int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/x", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		seen, ok = agent.Principal{}, false
		s.adapt(route{"GET", "/api/v1/x", need, handler}).ServeHTTP(rec, req)
		return rec.Code
	}

	require.Equal(t, http.StatusNoContent, serve(authKey, biaKey))
	require.True(t, ok)
	require.Equal(t, agent.Principal{UserID: bia.ID, Email: "bia@example.com", Role: agent.RoleAgent, KeyID: biaKeyRec.ID, Permissions: []string{}}, seen)

	require.Equal(t, http.StatusForbidden, serve(authAdmin, biaKey))
	require.False(t, ok, "a refused request never reaches the handler")

	require.Equal(t, http.StatusNoContent, serve(authAdmin, adminKey))
	require.Equal(t, admin.ID, seen.UserID)
	require.True(t, seen.IsAdmin())

	// authorize alone: no user is never enough, whatever the role says.
	require.NoError(t, authorize(agent.Principal{}, authNone))
	require.Error(t, authorize(agent.Principal{Role: agent.RoleAdmin}, authKey))
	require.Error(t, authorize(agent.Principal{Role: agent.RoleAdmin}, authAdmin))
	require.Error(t, authorize(agent.Principal{UserID: 3, Role: agent.RoleAgent}, authAdmin))
	require.NoError(t, authorize(agent.Principal{UserID: 3, Role: agent.RoleAgent}, authKey))

	// A permission: admins have it, an agent only when granted, nobody
	// without a user.
	require.NoError(t, authorize(agent.Principal{UserID: 3, Role: agent.RoleAdmin}, authSettings))
	require.Error(t, authorize(agent.Principal{UserID: 3, Role: agent.RoleAgent}, authSettings))
	require.Error(t, authorize(agent.Principal{UserID: 3, Role: agent.RoleAgent, Permissions: []string{agent.PermManageUsers}}, authSettings))
	require.NoError(t, authorize(agent.Principal{UserID: 3, Role: agent.RoleAgent, Permissions: []string{agent.PermManageSettings}}, authSettings))
	require.Error(t, authorize(agent.Principal{Role: agent.RoleAdmin}, authUsers))
}
