package lead_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

func ids(ls []lead.Lead) []int64 {
	out := []int64{}
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}

func TestListFiltersAndEdits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		ana, bia := e.agent(t, "ana"), e.agent(t, "bia")
		by := lead.User(ana)

		e.clock.Set(t0)
		l1, err := e.leads.Create(ctx, lead.NewLead{ContactID: e.contact(t, "5511911110001"), SourceID: 1, AgentID: ana,
			Tags: []string{" vip ", "vip", "pricing"}, Fields: map[string]string{"plan": "gold"}, Notes: "asked for prices"}, by)
		require.NoError(t, err)
		require.Equal(t, []string{"pricing", "vip"}, l1.Tags)
		require.Equal(t, map[string]string{"plan": "gold"}, l1.Fields)
		require.Equal(t, "asked for prices", l1.Notes)
		require.Equal(t, lead.StatusNew, l1.Status)
		require.Equal(t, ana, l1.AgentID)
		require.Zero(t, l1.ConversationID, "a contact who never wrote has no chat")

		e.clock.Set(t0.Add(24 * time.Hour))
		l2, err := e.leads.Create(ctx, lead.NewLead{ContactID: e.contact(t, "5511911110002"), Status: lead.StatusContacted, SourceID: 2}, by)
		require.NoError(t, err)
		e.clock.Set(t0.Add(48 * time.Hour))
		l3, err := e.leads.Create(ctx, lead.NewLead{ContactID: e.contact(t, "5511911110003"), AgentID: bia, Tags: []string{"vip"}}, by)
		require.NoError(t, err)

		// A second open lead for a contact is refused.
		_, err = e.leads.Create(ctx, lead.NewLead{ContactID: l1.ContactID}, by)
		apperrtest.Require(t, err, apperr.KindConflict, "open_lead_exists", "")

		list := func(f lead.Filter) []int64 {
			t.Helper()
			p, err := e.leads.List(ctx, f)
			require.NoError(t, err)
			require.Equal(t, len(p.Leads), p.Total)
			return ids(p.Leads)
		}
		require.Equal(t, []int64{l3.ID, l2.ID, l1.ID}, list(lead.Filter{}))
		require.Equal(t, []int64{l2.ID}, list(lead.Filter{Status: lead.StatusContacted}))
		require.Equal(t, []int64{l2.ID}, list(lead.Filter{SourceID: 2}))
		require.Equal(t, []int64{l3.ID}, list(lead.Filter{AgentID: bia}))
		require.Equal(t, []int64{l2.ID}, list(lead.Filter{Unassigned: true}))
		require.Equal(t, []int64{l3.ID, l1.ID}, list(lead.Filter{Tag: "vip"}))
		require.Equal(t, []int64{l2.ID}, list(lead.Filter{From: t0.Add(time.Hour), To: t0.Add(47 * time.Hour)}))
		require.Equal(t, []int64{l1.ID}, list(lead.Filter{Search: "110001"}))
		require.Equal(t, []int64{l3.ID}, list(lead.Filter{Search: "CONTACT 5511911110003"}))
		require.Equal(t, []int64{l1.ID}, list(lead.Filter{ContactID: l1.ContactID}))
		p, err := e.leads.List(ctx, lead.Filter{Limit: 1, Offset: 1})
		require.NoError(t, err)
		require.Equal(t, 3, p.Total)
		require.Equal(t, []int64{l2.ID}, ids(p.Leads))
		_, err = e.leads.List(ctx, lead.Filter{Status: "won"})
		apperrtest.Require(t, err, apperr.KindInvalid, "invalid_status", "status")

		// Edits: status, notes, tags, fields, source.
		q := lead.StatusQualified
		none := int64(0)
		got, err := e.leads.Update(ctx, l1.ID, lead.Change{Status: &q, Notes: ptr("call back"), AddTags: []string{"hot"},
			RemoveTags: []string{"pricing"}, Fields: map[string]string{"plan": "", "budget": "10k"}, SourceID: &none}, by)
		require.NoError(t, err)
		require.Equal(t, lead.StatusQualified, got.Status)
		require.Equal(t, "call back", got.Notes)
		require.Equal(t, []string{"hot", "vip"}, got.Tags)
		require.Equal(t, map[string]string{"budget": "10k"}, got.Fields)
		require.Zero(t, got.SourceID)
		require.Equal(t, t0.Add(48*time.Hour), got.UpdatedAt)
		got, err = e.leads.Update(ctx, l1.ID, lead.Change{Tags: &[]string{}}, by)
		require.NoError(t, err)
		require.Empty(t, got.Tags)

		bad := []struct {
			ch          lead.Change
			code, field string
		}{
			{lead.Change{Status: ptr(lead.Status("won"))}, "invalid_status", "status"},
			{lead.Change{SourceID: ptr(int64(99))}, "invalid_source", "source_id"},
			{lead.Change{AddTags: []string{string(make([]byte, 51))}}, "tag_too_long", "tags"},
			{lead.Change{Fields: map[string]string{"": "x"}}, "invalid_field_name", "fields"},
			{lead.Change{Notes: ptr(string(bytes.Repeat([]byte("a"), lead.MaxNotes+1)))}, "notes_too_long", "notes"},
		}
		for _, b := range bad {
			_, err := e.leads.Update(ctx, l2.ID, b.ch, by)
			apperrtest.Require(t, err, apperr.KindInvalid, b.code, b.field)
		}
		_, err = e.leads.Update(ctx, 9999, lead.Change{}, by)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
		unchanged, err := e.leads.Get(ctx, l2.ID)
		require.NoError(t, err)
		require.Equal(t, l2, unchanged)

		// Assign, reassign, unassign; an inactive user is refused.
		got, err = e.leads.Assign(ctx, l2.ID, bia, by)
		require.NoError(t, err)
		require.Equal(t, bia, got.AgentID)
		require.Equal(t, "bia", got.AgentName)
		got, err = e.leads.Assign(ctx, l2.ID, 0, by)
		require.NoError(t, err)
		require.Zero(t, got.AgentID)
		_, err = e.leads.Assign(ctx, l2.ID, 4242, by)
		apperrtest.Require(t, err, apperr.KindInvalid, "invalid_agent", "agent_id")
		_, err = e.leads.Assign(ctx, 4242, bia, by)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}

func TestStatusHistoryRecordsWhoAndWhat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		ana := e.agent(t, "ana")
		c := e.contact(t, "5511922220001")
		l, err := e.leads.Create(ctx, lead.NewLead{ContactID: c}, lead.User(ana))
		require.NoError(t, err)
		e.clock.Add(time.Hour)
		_, err = e.leads.Update(ctx, l.ID, lead.Change{Status: ptr(lead.StatusContacted)}, lead.User(ana))
		require.NoError(t, err)
		_, err = e.leads.Update(ctx, l.ID, lead.Change{Notes: ptr("no status change")}, lead.User(ana))
		require.NoError(t, err)
		e.clock.Add(time.Hour)
		_, err = e.leads.UpdateOpen(ctx, nil, c, lead.Change{Status: ptr(lead.StatusQualified)}, lead.Actor{Kind: lead.ByFlow})
		require.NoError(t, err)

		h, err := e.leads.History(ctx, l.ID)
		require.NoError(t, err)
		require.Len(t, h, 3)
		for i := range h {
			h[i].ID = 0
		}
		require.Equal(t, []lead.StatusChange{
			{From: "", To: lead.StatusNew, By: lead.ByUser, ByUserID: ana, ByName: "ana", At: t0},
			{From: lead.StatusNew, To: lead.StatusContacted, By: lead.ByUser, ByUserID: ana, ByName: "ana", At: t0.Add(time.Hour)},
			{From: lead.StatusContacted, To: lead.StatusQualified, By: lead.ByFlow, At: t0.Add(2 * time.Hour)},
		}, h)
		_, err = e.leads.History(ctx, 999)
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")
	})
}

func TestOpenLeadHelpersCreateWhenMissing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		ana := e.agent(t, "ana")
		c := e.contact(t, "5511933330001")
		flow := lead.Actor{Kind: lead.ByFlow}
		l, err := e.leads.AssignOpen(ctx, nil, c, ana, flow)
		require.NoError(t, err)
		require.Equal(t, lead.StatusNew, l.Status)
		require.Equal(t, ana, l.AgentID)
		l2, err := e.leads.UpdateOpen(ctx, nil, c, lead.Change{AddTags: []string{"flow"}}, flow)
		require.NoError(t, err)
		require.Equal(t, l.ID, l2.ID)
		require.Equal(t, []string{"flow"}, l2.Tags)
		_, err = e.leads.AssignOpen(ctx, nil, c, 777, flow)
		apperrtest.Require(t, err, apperr.KindInvalid, "invalid_agent", "agent_id")
	})
}

func TestSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		srcs, err := e.leads.Sources(ctx)
		require.NoError(t, err)
		names := []string{}
		for _, s := range srcs {
			names = append(names, s.Name)
		}
		require.Equal(t, []string{"Facebook", "Instagram", "Other", "Referral", "Website", "WhatsApp"}, names)

		tv, err := e.leads.AddSource(ctx, "  TV   ad ")
		require.NoError(t, err)
		require.Equal(t, "TV ad", tv.Name)
		require.Greater(t, tv.ID, int64(6))
		_, err = e.leads.AddSource(ctx, "whatsapp")
		apperrtest.Require(t, err, apperr.KindConflict, "source_exists", "")
		_, err = e.leads.AddSource(ctx, " ")
		apperrtest.Require(t, err, apperr.KindInvalid, "invalid_source_name", "name")

		l, err := e.leads.Create(ctx, lead.NewLead{ContactID: e.contact(t, "5511944440001"), SourceID: tv.ID}, lead.User(0))
		require.NoError(t, err)
		tv, err = e.leads.RenameSource(ctx, tv.ID, "Television")
		require.NoError(t, err)
		require.Equal(t, lead.Source{ID: tv.ID, Name: "Television", Leads: 1}, tv)
		got, err := e.leads.Get(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, "Television", got.SourceName)
		_, err = e.leads.RenameSource(ctx, tv.ID, "Facebook")
		apperrtest.Require(t, err, apperr.KindConflict, "source_exists", "")
		_, err = e.leads.RenameSource(ctx, 999, "X")
		apperrtest.Require(t, err, apperr.KindNotFound, "not_found", "")

		require.NoError(t, e.leads.RemoveSource(ctx, tv.ID))
		got, err = e.leads.Get(ctx, l.ID)
		require.NoError(t, err)
		require.Zero(t, got.SourceID)
		apperrtest.Require(t, e.leads.RemoveSource(ctx, tv.ID), apperr.KindNotFound, "not_found", "")
	})
}

func TestReportCountsBySourceAndStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		mk := func(at time.Time, phone string, src int64, st lead.Status) {
			t.Helper()
			e.clock.Set(at)
			l, err := e.leads.Create(ctx, lead.NewLead{ContactID: e.contact(t, phone), SourceID: src}, lead.User(0))
			require.NoError(t, err)
			if st != lead.StatusNew {
				_, err = e.leads.Update(ctx, l.ID, lead.Change{Status: &st}, lead.User(0))
				require.NoError(t, err)
			}
		}
		mk(t0.Add(-time.Hour), "5511955550000", 1, lead.StatusNew) // before the range
		mk(t0, "5511955550001", 1, lead.StatusNew)
		mk(t0.Add(time.Hour), "5511955550002", 1, lead.StatusQualified)
		mk(t0.Add(2*time.Hour), "5511955550003", 2, lead.StatusClosed)
		mk(t0.Add(3*time.Hour), "5511955550004", 0, lead.StatusContacted)
		mk(t0.Add(24*time.Hour), "5511955550005", 2, lead.StatusNew) // at To: outside

		r, err := e.leads.Report(ctx, t0, t0.Add(24*time.Hour))
		require.NoError(t, err)
		require.Equal(t, 4, r.Total)
		require.Equal(t, []lead.SourceCount{{1, "WhatsApp", 2}, {2, "Facebook", 1}, {3, "Instagram", 0}, {6, "Other", 0},
			{5, "Referral", 0}, {4, "Website", 0}, {0, "", 1}}, r.BySource)
		require.Equal(t, []lead.StatusCount{{lead.StatusNew, 1}, {lead.StatusInProgress, 0}, {lead.StatusContacted, 1},
			{lead.StatusQualified, 1}, {lead.StatusClosed, 1}}, r.ByStatus)

		var buf bytes.Buffer
		require.NoError(t, r.WriteCSV(&buf))
		require.Equal(t, "group,key,name,count\nsource,1,WhatsApp,2\nsource,2,Facebook,1\nsource,3,Instagram,0\nsource,6,Other,0\n"+
			"source,5,Referral,0\nsource,4,Website,0\nsource,0,,1\nstatus,new,new,1\nstatus,in_progress,in_progress,0\n"+
			"status,contacted,contacted,1\nstatus,qualified,qualified,1\nstatus,closed,closed,1\n", buf.String())

		all, err := e.leads.Report(ctx, time.Time{}, time.Time{})
		require.NoError(t, err)
		require.Equal(t, 6, all.Total)
	})
}
