package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/lead"
)

// TestRestrictedAgentsSeeOnlyTheirCustomers shows contacts and leads keep
// the chats' rule: with chats restricted to the assigned agent, another
// agent's customer is missing from the contacts and leads lists, their
// CSV export and the API, and their pages answer 404; the customer's own
// agent and unassigned customers stay visible.
func TestRestrictedAgentsSeeOnlyTheirCustomers(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		supportAgents(t, env, agent.SupportAgentsSettings{RestrictToAssigned: true})
		admin := newMember(t, env, "boss@example.com", agent.RoleAdmin)
		one := newMember(t, env, "one@example.com", agent.RoleAgent)
		two := newMember(t, env, "two@example.com", agent.RoleAgent)

		ana := customerWrites(t, env, "+5511988887777", "Ana Cliente", "Olá")
		status, _, _ := admin.b.do(http.MethodPost, "/inbox/"+ana+"/assign", url.Values{"user_id": {strconv.FormatInt(one.ID, 10)}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		customerWrites(t, env, "+5511977776666", "Bruno Livre", "Oi")

		contactOf := func(phone string) int64 {
			var id int64
			require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT id FROM contacts WHERE phone = ?`, phone).Scan(&id))
			return id
		}
		anaContact, brunoContact := contactOf("+5511988887777"), contactOf("+5511977776666")
		anaLead, err := env.App.Leads.Create(ctx, lead.NewLead{ContactID: anaContact, AgentID: one.ID}, lead.User(admin.ID))
		require.NoError(t, err)
		_, err = env.App.Leads.Create(ctx, lead.NewLead{ContactID: brunoContact}, lead.User(admin.ID))
		require.NoError(t, err)
		anaContactPath := "/contacts/" + strconv.FormatInt(anaContact, 10)
		anaLeadPath := "/leads/" + strconv.FormatInt(anaLead.ID, 10)

		// The other agent: Bruno (unassigned) everywhere, Ana nowhere.
		for _, page := range []string{"/contacts", "/contacts/export.csv", "/leads"} {
			status, _, body := two.b.do(http.MethodGet, page, nil, nil)
			require.Equal(t, http.StatusOK, status, page)
			require.Contains(t, body, "Bruno Livre", page)
			require.NotContains(t, body, "Ana Cliente", page)
			require.NotContains(t, body, "988887777", page)
		}
		for _, page := range []string{anaContactPath, anaLeadPath} {
			status, _, _ := two.b.do(http.MethodGet, page, nil, nil)
			require.Equal(t, http.StatusNotFound, status, page)
		}
		for _, path := range []string{"/api/v1/contacts", "/api/v1/contacts/export", "/api/v1/leads"} {
			status, body := two.api(t, env, http.MethodGet, path, nil)
			require.Equal(t, http.StatusOK, status, path)
			require.Contains(t, body, "+5511977776666", path)
			require.NotContains(t, body, "+5511988887777", path)
		}
		for _, path := range []string{"/api/v1" + anaContactPath, "/api/v1" + anaContactPath + "/opt-out-history",
			"/api/v1" + anaLeadPath, "/api/v1" + anaLeadPath + "/history"} {
			status, body := two.api(t, env, http.MethodGet, path, nil)
			require.Equal(t, http.StatusNotFound, status, path)
			require.Contains(t, body, `"not_found"`, path)
		}
		// Even with the permissions to edit, a hidden lead cannot be changed.
		perms := []string{agent.PermManageLeads, agent.PermAssign}
		_, err = env.App.Agents.UpdateUser(ctx, agent.Principal{UserID: admin.ID, Role: agent.RoleAdmin}, two.ID, agent.UserChange{Permissions: &perms})
		require.NoError(t, err)
		status, _ = two.api(t, env, http.MethodPatch, "/api/v1"+anaLeadPath, map[string]any{"notes": "mine now"})
		require.Equal(t, http.StatusNotFound, status)
		status, _ = two.api(t, env, http.MethodPost, "/api/v1"+anaLeadPath+"/assign", map[string]any{"agent_id": two.ID})
		require.Equal(t, http.StatusNotFound, status)
		got, err := env.App.Leads.Get(ctx, anaLead.ID)
		require.NoError(t, err)
		require.Equal(t, one.ID, got.AgentID, "the hidden lead kept its agent")
		require.Empty(t, got.Notes)

		// The assigned agent and the admin see Ana.
		for _, m := range []teamMember{one, admin} {
			for _, page := range []string{"/contacts", "/leads", anaContactPath, anaLeadPath} {
				status, _, body := m.b.do(http.MethodGet, page, nil, nil)
				require.Equal(t, http.StatusOK, status, page)
				require.Contains(t, body, "Ana Cliente", page)
			}
			status, body := m.api(t, env, http.MethodGet, "/api/v1"+anaLeadPath, nil)
			require.Equal(t, http.StatusOK, status)
			require.Contains(t, body, strconv.FormatInt(anaContact, 10))
		}
	})
}
