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
	"github.com/zapflow/zapflow/internal/live"
)

// TestAutoLeadTellsTheAgentLive: with auto lead giving new leads to an
// agent, that agent's open event stream gets a lead_assigned event naming
// them, on the chat the message came in.
func TestAutoLeadTellsTheAgentLive(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		addUser(t, env, "bia@example.com", "agent")
		var bia int64
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT id FROM users WHERE email = 'bia@example.com'`).Scan(&bia))
		named := lead.AgentNamed
		on := true
		_, err := env.App.Leads.UpdateAutoSettings(ctx, lead.AutoSettingsInput{Enabled: &on, Agent: &named, AgentID: &bia})
		require.NoError(t, err)

		b := newBrowser(t, env)
		b.login("bia@example.com", "correct horse battery")
		s := b.openStream("/events", nil)
		conv := settingsCustomerWrites(t, env, "+5511987651234", "Quero um orçamento")
		for {
			ev := s.next()
			if ev.Kind != live.KindLeadAssigned {
				continue
			}
			require.Equal(t, bia, ev.Data.UserID)
			require.Equal(t, conv, ev.Data.ConversationID)
			return
		}
	})
}

// TestLeadEventsReachTheirAgent: with chats restricted to their agent, a
// lead change on a chat an agent may not see is not sent to them, but a
// lead assigned to them is (they must learn it is theirs), and a lead
// event of a contact with no chat (conversation 0) reaches everyone.
func TestLeadEventsReachTheirAgent(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		supportAgents(t, env, agent.SupportAgentsSettings{RestrictToAssigned: true})
		admin := newMember(t, env, "boss@example.com", agent.RoleAdmin)
		one := newMember(t, env, "one@example.com", agent.RoleAgent)
		two := newMember(t, env, "two@example.com", agent.RoleAgent)
		conv := customerWrites(t, env, "+5511988881234", "Ana Cliente", "Olá")
		status, _, _ := admin.b.do(http.MethodPost, "/inbox/"+conv+"/assign", url.Values{"user_id": {strconv.FormatInt(one.ID, 10)}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		convID, _ := strconv.ParseInt(conv, 10, 64)
		ok, err := env.App.Messaging.CanSee(ctx, two.User, convID)
		require.NoError(t, err)
		require.False(t, ok, "two may not see one's chat")
		var contact int64
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT contact_id FROM conversations WHERE id = ?`, convID).Scan(&contact))
		l, err := env.App.Leads.Create(ctx, lead.NewLead{ContactID: contact}, lead.User(admin.ID))
		require.NoError(t, err)

		s := two.b.openStream("/events", nil)
		qualified := lead.StatusQualified
		_, err = env.App.Leads.Update(ctx, l.ID, lead.Change{Status: &qualified}, lead.User(admin.ID))
		require.NoError(t, err)
		_, err = env.App.Leads.Assign(ctx, l.ID, two.ID, lead.User(admin.ID))
		require.NoError(t, err)
		for {
			ev := s.next()
			require.NotEqual(t, live.KindLead, ev.Kind, "a change on a chat two may not see is not sent")
			if ev.Kind == live.KindLeadAssigned {
				require.Equal(t, two.ID, ev.Data.UserID)
				require.Equal(t, convID, ev.Data.ConversationID)
				break
			}
		}
		appendEvent(t, env, live.KindLead, 0)
		for {
			ev := s.next()
			if ev.Kind == live.KindLead {
				require.Zero(t, ev.Data.ConversationID)
				return
			}
		}
	})
}
