package ui

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/live"
)

// TestLeadEventOpenTo: a lead_assigned event reaches the agent it names
// whatever the chat; a lead event with no chat reaches everyone; any
// other event is left to the chat's visibility.
func TestLeadEventOpenTo(t *testing.T) {
	bia := agent.User{ID: 7}
	require.True(t, leadEventOpenTo(bia, live.Event{Kind: live.KindLeadAssigned, ConversationID: 3, UserID: 7}))
	require.False(t, leadEventOpenTo(bia, live.Event{Kind: live.KindLeadAssigned, ConversationID: 3, UserID: 8}))
	require.True(t, leadEventOpenTo(bia, live.Event{Kind: live.KindLeadAssigned, UserID: 8}))
	require.True(t, leadEventOpenTo(bia, live.Event{Kind: live.KindLead}))
	require.False(t, leadEventOpenTo(bia, live.Event{Kind: live.KindLead, ConversationID: 3}))
	require.False(t, leadEventOpenTo(bia, live.Event{Kind: "inbound", ConversationID: 0}))
	require.False(t, leadEventOpenTo(agent.User{}, live.Event{Kind: live.KindLeadAssigned, ConversationID: 3}))
}
