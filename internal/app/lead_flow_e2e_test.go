package app_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/sandbox"
)

// The flow engine keeps its own list of lead statuses (it does not import
// the lead package); it must be the lead package's.
func TestFlowLeadStatusesAreTheLeadPackages(t *testing.T) {
	var want []string
	for _, s := range lead.Statuses {
		want = append(want, string(s))
	}
	require.Equal(t, want, flow.LeadStatuses)
}

// The shipped lead qualification example, enabled, over the sandbox: a
// customer who needs it soon ends as a Qualified lead, with the answers in
// its fields, given to an agent in turn together with the chat; one who
// does not ends as a Contacted lead. Auto lead made the leads first (from
// the first message), and the flow updated those same leads.
func TestFlowLeadQualificationMakesQualifiedLeads(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		waitTemplates(t, env)
		carla, err := env.App.Agents.CreateUser(ctx, "carla@example.com", "Carla", agent.RoleAgent, "agent-password")
		require.NoError(t, err)
		_, err = env.App.Leads.UpdateAutoSettings(ctx, lead.AutoSettingsInput{Enabled: ptrTo(true)})
		require.NoError(t, err)
		var list struct{ Flows []flow.Record }
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/flows", nil, &list))
		for _, f := range list.Flows {
			if f.Name == "Lead qualification" {
				require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/flows/"+strconv.FormatInt(f.ID, 10)+"/enable", nil, nil))
			}
		}

		sb := env.App.Sandbox
		// converse answers the three questions; an answer "tap:<id>:<title>"
		// taps that button of the last question instead of typing.
		converse := func(customer string, answers ...string) {
			t.Helper()
			waID := customer[1:]
			asked := func() int {
				n := 0
				for _, m := range sb.Sent() {
					if (m.Type == "text" || m.Type == "interactive") && m.WaID == waID {
						n++
					}
				}
				return n
			}
			_, err := sb.CustomerWrites(phone1, customer, "Cliente", "Oi, quero comprar")
			require.NoError(t, err)
			for i, a := range answers {
				waitUntil(t, func() bool { return asked() >= i+1 }, "question %d to %s", i+1, customer)
				if tap, ok := strings.CutPrefix(a, "tap:"); ok {
					id, title, _ := strings.Cut(tap, ":")
					_, err = sb.CustomerTaps(phone1, customer, "Cliente", sandbox.Tap{ID: id, Title: title})
				} else {
					_, err = sb.CustomerWrites(phone1, customer, "Cliente", a)
				}
				require.NoError(t, err)
			}
			waitUntil(t, func() bool { return asked() >= 4 }, "the closing message to %s", customer)
		}
		openLead := func(customer string, status lead.Status) lead.Lead {
			t.Helper()
			var l lead.Lead
			waitUntil(t, func() bool {
				page, err := env.App.Leads.List(ctx, lead.Filter{Search: customer[1:], Open: true})
				require.NoError(t, err)
				if len(page.Leads) == 1 {
					l = page.Leads[0]
				}
				return l.Status == status
			}, "%s's lead becomes %s", customer, status)
			return l
		}

		const hot, warm = "+5511944441111", "+5511944442222"
		converse(hot, "Bia", "um sofá", "tap:soon:Hoje ou amanhã")
		l := openLead(hot, lead.StatusQualified)
		require.Equal(t, carla.ID, l.AgentID, "given to the only agent")
		require.True(t, l.Automatic, "the lead auto lead made, updated by the flow")
		require.Equal(t, "WhatsApp", l.SourceName)
		require.Equal(t, []string{"qualificado"}, l.Tags)
		require.Equal(t, map[string]string{"interest": "um sofá", "name": "Bia", "timing": "Hoje ou amanhã"}, l.Fields)
		require.Equal(t, "Procura: um sofá. Prazo: Hoje ou amanhã.", l.Notes)
		var assigned int64
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT c.assigned_user_id FROM conversations c JOIN contacts k ON k.id = c.contact_id
			WHERE k.wa_id = ?`, hot[1:]).Scan(&assigned))
		require.Equal(t, carla.ID, assigned, "the chat goes to the same agent")
		h, err := env.App.Leads.History(ctx, l.ID)
		require.NoError(t, err)
		require.Len(t, h, 2)
		require.Equal(t, lead.ByAutoLead, h[0].By)
		require.Equal(t, lead.StatusChange{ID: h[1].ID, From: lead.StatusNew, To: lead.StatusQualified, By: lead.ByFlow, At: h[1].At}, h[1])

		converse(warm, "Caio", "uma mesa", "ano que vem")
		w := openLead(warm, lead.StatusContacted)
		require.Zero(t, w.AgentID, "only qualified leads go to an agent")
		require.Equal(t, 2, env.Count(`SELECT COUNT(*) FROM leads`))
		require.False(t, slices.Contains(w.Tags, "qualificado"))
	})
}

func ptrTo[T any](v T) *T { return &v }
