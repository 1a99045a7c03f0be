package lead_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/live"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func TestAutoLeadOnePerContactUnderConcurrentFirstMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		a1, a2 := e.agent(t, "ana"), e.agent(t, "bia")
		e.enable(t, lead.AutoSettingsInput{Agent: ptr(lead.AgentRoundRobin)})

		const n = 50
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = e.deliver(inbound(fmt.Sprintf("wamid.first.%d", i), "5511988887777", t0))
			})
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "delivery %d", i)
		}
		require.Equal(t, n, e.count(t, `SELECT COUNT(*) FROM messages`))
		c := e.contactOf(t, "5511988887777")
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM leads WHERE contact_id = ?`, c))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM lead_status_history`))
		// Exactly one round-robin turn was taken: the lost races took none.
		require.Equal(t, 1, e.count(t, `SELECT COALESCE(SUM(turn), 0) FROM lead_turns WHERE user_id IN (?, ?)`, a1, a2))
		l, err := e.leads.OpenLead(context.Background(), c)
		require.NoError(t, err)
		require.Equal(t, a1, l.AgentID, "the first turn is the lowest id's")
	})
}

func TestAutoLeadDuplicateDeliveryCreatesOneLead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		e.enable(t, lead.AutoSettingsInput{})
		ev := inbound("wamid.dup", "5511977776666", t0)
		require.NoError(t, e.deliver(ev))
		require.NoError(t, e.deliver(ev))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM messages`))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM leads`))

		// The hook itself is idempotent too: a second capture for a
		// contact with an open lead creates nothing.
		c := e.contactOf(t, "5511977776666")
		var id int64
		require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
			var err error
			id, err = e.leads.Capture(context.Background(), tx, c)
			return err
		}))
		require.Zero(t, id)
		require.NoError(t, e.deliver(inbound("wamid.second", "5511977776666", t0.Add(time.Minute))))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM leads`))
	})
}

func TestAutoLeadAppliesDefaultsAndTellsTheAgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ana := e.agent(t, "ana")
		facebook := int64(2)
		e.enable(t, lead.AutoSettingsInput{Status: ptr(lead.StatusInProgress), SourceID: &facebook,
			Agent: ptr(lead.AgentNamed), AgentID: &ana})
		require.NoError(t, e.deliver(inbound("wamid.1", "5511966665555", t0)))

		ctx := context.Background()
		c := e.contactOf(t, "5511966665555")
		l, err := e.leads.OpenLead(ctx, c)
		require.NoError(t, err)
		require.Equal(t, lead.StatusInProgress, l.Status)
		require.Equal(t, facebook, l.SourceID)
		require.Equal(t, "Facebook", l.SourceName)
		require.Equal(t, ana, l.AgentID)
		require.Equal(t, "ana", l.AgentName)
		require.True(t, l.Automatic)
		require.Equal(t, "Maria", l.ContactName)
		var conv int64
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT id FROM conversations WHERE contact_id = ?`, c).Scan(&conv))
		require.Equal(t, conv, l.ConversationID, "the chat to open beside the lead")
		require.Equal(t, t0, l.CreatedAt)

		h, err := e.leads.History(ctx, l.ID)
		require.NoError(t, err)
		require.Len(t, h, 1)
		require.Equal(t, lead.StatusChange{ID: h[0].ID, From: "", To: lead.StatusInProgress, By: lead.ByAutoLead, At: t0}, h[0])

		// The agent is told live, on the chat the message arrived in.
		// On PostgreSQL an event is readable once every older transaction
		// of the server ended (other tests' included): poll for it.
		var evs []live.Event
		var told bool
		for deadline := time.Now().Add(time.Minute); !told && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			var err error
			evs, err = live.Since(ctx, db, 0, 100)
			require.NoError(t, err)
			for _, ev := range evs {
				if ev.Kind == live.KindLeadAssigned {
					require.Equal(t, ana, ev.UserID)
					require.NotZero(t, ev.ConversationID)
					told = true
				}
			}
		}
		require.True(t, told, "no %s event in %+v", live.KindLeadAssigned, evs)
	})
}

func TestAutoLeadRoundRobinIsFairAcrossRestarts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		agents := []int64{e.agent(t, "ana"), e.agent(t, "bia"), e.agent(t, "caio")}
		// Neither an admin, nor an away or inactive agent, takes turns.
		e.user(t, "admin", "admin")
		away, gone := e.agent(t, "away"), e.agent(t, "gone")
		ctx := context.Background()
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE users SET away = ? WHERE id = ?`, true, away); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE users SET active = ? WHERE id = ?`, false, gone)
			return err
		}))
		e.enable(t, lead.AutoSettingsInput{Agent: ptr(lead.AgentRoundRobin)})
		for i := range 30 {
			if i == 15 {
				// A restart (or another instance): a new service reads
				// the turns from the database.
				e.leads = lead.New(db, e.st, live.New(db, e.clock.Now), e.clock.Now)
			}
			require.NoError(t, e.deliver(inbound(fmt.Sprintf("wamid.rr.%d", i), fmt.Sprintf("55119000%05d", i), t0)))
		}
		counts := map[int64]int{}
		page, err := e.leads.List(ctx, lead.Filter{Limit: 100})
		require.NoError(t, err)
		require.Equal(t, 30, page.Total)
		for _, l := range page.Leads {
			counts[l.AgentID]++
		}
		require.Equal(t, map[int64]int{agents[0]: 10, agents[1]: 10, agents[2]: 10}, counts)
	})
}

func TestAutoLeadDisabledCreatesNone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		require.NoError(t, e.deliver(inbound("wamid.off.1", "5511955554444", t0)))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM leads`))

		e.enable(t, lead.AutoSettingsInput{})
		_, err := e.leads.UpdateAutoSettings(context.Background(), lead.AutoSettingsInput{Enabled: ptr(false)})
		require.NoError(t, err)
		require.NoError(t, e.deliver(inbound("wamid.off.2", "5511955554443", t0)))
		require.Equal(t, 0, e.count(t, `SELECT COUNT(*) FROM leads`))
		require.Equal(t, 1, e.count(t, `SELECT COUNT(*) FROM settings WHERE key = ?`, lead.KeyAutoLead))
	})
}

func TestClosedLeadLetsANewOneBeCreated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.enable(t, lead.AutoSettingsInput{})
		require.NoError(t, e.deliver(inbound("wamid.c1", "5511944443333", t0)))
		c := e.contactOf(t, "5511944443333")
		first, err := e.leads.OpenLead(ctx, c)
		require.NoError(t, err)
		closed := lead.StatusClosed
		_, err = e.leads.Update(ctx, first.ID, lead.Change{Status: &closed}, lead.User(e.agent(t, "ana")))
		require.NoError(t, err)
		_, err = e.leads.OpenLead(ctx, c)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")

		require.NoError(t, e.deliver(inbound("wamid.c2", "5511944443333", t0.Add(time.Hour))))
		second, err := e.leads.OpenLead(ctx, c)
		require.NoError(t, err)
		require.NotEqual(t, first.ID, second.ID)
		require.Equal(t, 2, e.count(t, `SELECT COUNT(*) FROM leads WHERE contact_id = ?`, c))

		// Reopening the closed lead while another is open is refused.
		reopen := lead.StatusNew
		_, err = e.leads.Update(ctx, first.ID, lead.Change{Status: &reopen}, lead.User(0))
		apperrtest.Require(t, err, apperr.KindConflict, "open_lead_exists", "")
		got, err := e.leads.Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, lead.StatusClosed, got.Status)
	})
}

func TestAutoSettingsValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		ana := e.agent(t, "ana")
		gone := e.agent(t, "gone")
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE users SET active = ? WHERE id = ?`, false, gone)
			return err
		}))

		def, err := e.leads.AutoSettings(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, lead.DefaultAutoSettings(), def)
		require.Equal(t, lead.AutoSettings{Status: lead.StatusNew, SourceID: lead.DefaultSourceID, Agent: lead.AgentUnassigned}, def)

		cases := []struct {
			in          lead.AutoSettingsInput
			code, field string
		}{
			{lead.AutoSettingsInput{Status: ptr(lead.Status(""))}, "status_required", "default_status"},
			{lead.AutoSettingsInput{Status: ptr(lead.Status("won"))}, "invalid_status", "default_status"},
			{lead.AutoSettingsInput{Status: ptr(lead.StatusClosed)}, "closed_new_lead", "default_status"},
			{lead.AutoSettingsInput{SourceID: ptr(int64(0))}, "source_required", "source_id"},
			{lead.AutoSettingsInput{SourceID: ptr(int64(999))}, "invalid_source", "source_id"},
			{lead.AutoSettingsInput{Agent: ptr("everyone")}, "invalid_agent_mode", "agent"},
			{lead.AutoSettingsInput{Agent: ptr(lead.AgentNamed)}, "agent_required", "agent_id"},
			{lead.AutoSettingsInput{Agent: ptr(lead.AgentNamed), AgentID: &gone}, "invalid_agent", "agent_id"},
			{lead.AutoSettingsInput{Agent: ptr(lead.AgentNamed), AgentID: ptr(int64(12345))}, "invalid_agent", "agent_id"},
		}
		for _, c := range cases {
			_, err := e.leads.UpdateAutoSettings(ctx, c.in)
			apperrtest.Require(t, err, apperr.KindInvalid, c.code, c.field)
		}
		// Nothing bad was stored.
		got, err := e.leads.AutoSettings(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, def, got)

		// A valid change merges over what is stored; leaving "agent" drops
		// the agent id.
		v, err := e.leads.UpdateAutoSettings(ctx, lead.AutoSettingsInput{Agent: ptr(lead.AgentNamed), AgentID: &ana, Status: ptr(lead.StatusContacted)})
		require.NoError(t, err)
		require.Equal(t, lead.AutoSettings{Status: lead.StatusContacted, SourceID: 1, Agent: lead.AgentNamed, AgentID: ana}, v)
		v, err = e.leads.UpdateAutoSettings(ctx, lead.AutoSettingsInput{Agent: ptr(lead.AgentRoundRobin)})
		require.NoError(t, err)
		require.Equal(t, lead.AutoSettings{Status: lead.StatusContacted, SourceID: 1, Agent: lead.AgentRoundRobin}, v)

		// The source auto lead uses cannot be removed.
		apperrtest.Require(t, e.leads.RemoveSource(ctx, 1), apperr.KindConflict, "source_in_use", "")
	})
}

// Round-robin stays fair when first messages of many customers arrive at
// once, with automatic conversation assignment on too (both take turns in
// the same transactions, in the order the app registers their hooks):
// every message is stored, no transaction deadlocks, and both the leads
// and the chats are shared 10 each.
func TestRoundRobinUnderConcurrentCustomersWithChatAssignment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.msg.OnInbound(messaging.NewTeam(e.msg, live.New(db, e.clock.Now)).InboundHook())
		require.NoError(t, settings.Put(ctx, e.st, agent.KeySupportAgents, agent.SupportAgentsSettings{AutoAssign: true}))
		agents := []int64{e.agent(t, "ana"), e.agent(t, "bia"), e.agent(t, "caio")}
		e.enable(t, lead.AutoSettingsInput{Agent: ptr(lead.AgentRoundRobin)})

		var wg sync.WaitGroup
		errs := make([]error, 30)
		for i := range 30 {
			wg.Go(func() {
				errs[i] = e.deliver(inbound(fmt.Sprintf("wamid.cc.%d", i), fmt.Sprintf("55119100%05d", i), t0))
			})
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "delivery %d", i)
		}
		leads := map[int64]int{}
		chats := map[int64]int{}
		for _, a := range agents {
			leads[a] = e.count(t, `SELECT COUNT(*) FROM leads WHERE assigned_user_id = ?`, a)
			chats[a] = e.count(t, `SELECT COUNT(*) FROM conversations WHERE assigned_user_id = ?`, a)
		}
		require.Equal(t, map[int64]int{agents[0]: 10, agents[1]: 10, agents[2]: 10}, leads)
		require.Equal(t, map[int64]int{agents[0]: 10, agents[1]: 10, agents[2]: 10}, chats)
	})
}
