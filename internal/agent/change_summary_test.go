package agent_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
)

// TestUserChangeSummaryNeverShowsAPassword lists what an edit set and
// keeps the password's value out.
func TestUserChangeSummaryNeverShowsAPassword(t *testing.T) {
	role, pw, off := agent.RoleAdmin, "s3cret-passw0rd", false
	perms := []string{}
	got := agent.UserChange{Role: &role, Password: &pw, Active: &off, Permissions: &perms}.Summary(agent.User{Email: "ana@example.com"})
	require.Equal(t, "edited user ana@example.com: role → admin; permissions → none; deactivated; password reset", got)
	require.NotContains(t, got, pw)
	require.Empty(t, agent.UserChange{}.Summary(agent.User{Email: "ana@example.com"}), "nothing set, nothing to log")
	require.Equal(t, "created user bia@example.com (agent; assign)",
		agent.AddedSummary(agent.User{Email: "bia@example.com", Role: agent.RoleAgent, Permissions: []string{agent.PermAssign}}))
}
