package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/lead"
	"github.com/zapflow/zapflow/internal/store"
)

// leadFor opens a lead for a new sandbox customer and returns it with the
// customer's conversation.
func leadFor(t *testing.T, env *apptest.Env, phone string, in lead.NewLead) (lead.Lead, int64) {
	t.Helper()
	ctx := context.Background()
	conv := settingsCustomerWrites(t, env, phone, "Oi")
	require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT contact_id FROM conversations WHERE id = ?`, conv).Scan(&in.ContactID))
	l, err := env.App.Leads.Create(ctx, in, lead.Actor{Kind: lead.ByFlow})
	require.NoError(t, err)
	return l, conv
}

func setPermissions(t *testing.T, env *apptest.Env, email, perms string) {
	t.Helper()
	n := env.Count(`SELECT COUNT(*) FROM users WHERE email = ?`, email)
	require.Equal(t, 1, n)
	ctx := context.Background()
	require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET permissions = ? WHERE email = ?`, perms, email)
		return err
	}))
}

func leadPath(l lead.Lead) string { return "/leads/" + strconv.FormatInt(l.ID, 10) }

// TestLeadPagesPermissions: every agent sees the leads; without
// manage_leads the lead's form is read-only and a save is refused (403,
// nothing changed); without assign reassigning is refused; with each
// permission the action works, and a refused save shows its error next
// to the field and keeps what was typed.
func TestLeadPagesPermissions(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		l, conv := leadFor(t, env, "+5511987654001", lead.NewLead{Notes: "first call"})
		addUser(t, env, "bia@example.com", "agent")
		bia := userByEmail(t, env, "bia@example.com")
		b := loggedIn(t, env, "bia@example.com", "correct horse battery")

		status, _, body := b.do(http.MethodGet, "/leads", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `id="lead-`+strconv.FormatInt(l.ID, 10)+`"`)
		require.Contains(t, body, `href="/leads"`, "the nav links the leads")
		status, _, body = b.do(http.MethodGet, leadPath(l), nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "changing it needs the “manage leads” permission")
		require.Contains(t, body, "<fieldset disabled>")
		require.NotContains(t, body, "Save changes")
		require.NotContains(t, body, `action="`+leadPath(l)+`/assign"`)
		require.Contains(t, body, `href="/inbox/`+strconv.FormatInt(conv, 10)+`"`, "a link to the chat")

		form := url.Values{"status": {"qualified"}, "source_id": {"0"}, "notes": {"x"}, "tags": {"vip"}, "fields": {""}}
		status, _, _ = b.do(http.MethodPost, leadPath(l), form, nil)
		require.Equal(t, http.StatusForbidden, status)
		status, _, _ = b.do(http.MethodPost, leadPath(l)+"/assign", url.Values{"agent_id": {strconv.FormatInt(bia.ID, 10)}}, nil)
		require.Equal(t, http.StatusForbidden, status)
		status, _, _ = b.do(http.MethodPost, "/inbox/"+strconv.FormatInt(conv, 10)+"/lead", url.Values{"status": {"closed"}}, nil)
		require.Equal(t, http.StatusForbidden, status)
		status, _, _ = b.do(http.MethodGet, "/leads/sources", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		got, err := env.App.Leads.Get(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, lead.StatusNew, got.Status)
		require.Equal(t, "first call", got.Notes)

		setPermissions(t, env, "bia@example.com", `["manage_leads"]`)
		long := strings.Repeat("x", 51)
		form = url.Values{"status": {"qualified"}, "source_id": {"2"}, "notes": {"called back"}, "tags": {"vip\n" + long},
			"fields": {"city: Recife"}}
		status, _, body = b.do(http.MethodPost, leadPath(l), form, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-tags" class="error field-error" role="alert">A tag has at most 50 characters.`)
		require.Contains(t, body, long, "what was typed stays")
		form.Set("fields", "no colon here")
		form.Set("tags", "vip")
		status, _, body = b.do(http.MethodPost, leadPath(l), form, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-fields"`)
		got, err = env.App.Leads.Get(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, lead.StatusNew, got.Status, "nothing saved")

		form.Set("fields", "city: Recife\nplan: gold")
		status, h, _ := b.do(http.MethodPost, leadPath(l), form, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, leadPath(l)+"?saved=1", h.Get("Location"))
		got, err = env.App.Leads.Get(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, lead.StatusQualified, got.Status)
		require.Equal(t, "Facebook", got.SourceName)
		require.Equal(t, []string{"vip"}, got.Tags)
		require.Equal(t, map[string]string{"city": "Recife", "plan": "gold"}, got.Fields)
		_, _, body = b.do(http.MethodGet, leadPath(l)+"?saved=1", nil, nil)
		require.Contains(t, body, "Saved.")
		require.Contains(t, body, "New → <strong>Qualified</strong>", "the status history")

		// A field removed from the list is removed from the lead.
		form.Set("fields", "plan: gold")
		status, _, _ = b.do(http.MethodPost, leadPath(l), form, nil)
		require.Equal(t, http.StatusSeeOther, status)
		got, err = env.App.Leads.Get(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, map[string]string{"plan": "gold"}, got.Fields)

		status, _, _ = b.do(http.MethodPost, leadPath(l)+"/assign", url.Values{"agent_id": {strconv.FormatInt(bia.ID, 10)}}, nil)
		require.Equal(t, http.StatusForbidden, status, "editing is not assigning")

		setPermissions(t, env, "bia@example.com", `["assign"]`)
		status, _, body = b.do(http.MethodPost, leadPath(l)+"/assign", url.Values{"agent_id": {"999999"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-agent_id"`)
		status, _, _ = b.do(http.MethodPost, leadPath(l)+"/assign", url.Values{"agent_id": {strconv.FormatInt(bia.ID, 10)}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		got, err = env.App.Leads.Get(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, bia.ID, got.AgentID)
		status, _, _ = b.do(http.MethodPost, leadPath(l), form, nil)
		require.Equal(t, http.StatusForbidden, status, "assigning is not editing")
		status, _, _ = b.do(http.MethodPost, leadPath(l)+"/assign", url.Values{"agent_id": {"0"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		got, err = env.App.Leads.Get(ctx, l.ID)
		require.NoError(t, err)
		require.Zero(t, got.AgentID, "unassigned")

		status, _, _ = b.do(http.MethodGet, "/leads/999999", nil, nil)
		require.Equal(t, http.StatusNotFound, status)
	})
}

// TestLeadsListFilters: each filter of the URL narrows the list; a bad
// filter is refused with a message; the pager keeps the filter.
func TestLeadsListFilters(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		addUser(t, env, "bia@example.com", "agent")
		bia := userByEmail(t, env, "bia@example.com")
		a, _ := leadFor(t, env, "+5511987654101", lead.NewLead{Status: lead.StatusQualified, SourceID: 2, AgentID: bia.ID, Tags: []string{"vip"}})
		c, _ := leadFor(t, env, "+5511987654102", lead.NewLead{SourceID: 1})
		b := settingsAdmin(t, env, "ana@example.com")
		row := func(l lead.Lead) string { return `id="lead-` + strconv.FormatInt(l.ID, 10) + `"` }
		list := func(q string) string {
			t.Helper()
			status, _, body := b.do(http.MethodGet, "/leads"+q, nil, nil)
			require.Equal(t, http.StatusOK, status, body)
			return body
		}
		body := list("")
		require.Contains(t, body, row(a))
		require.Contains(t, body, row(c))
		require.Contains(t, body, "vip")
		for q, want := range map[string]lead.Lead{
			"?status=qualified": a,
			"?status=new":       c,
			"?source=2":         a,
			"?source=1":         c,
			"?agent=" + strconv.FormatInt(bia.ID, 10): a,
			"?agent=none": c,
			"?tag=vip":    a,
			"?q=654102":   c,
			"?status=qualified&source=2&tag=vip&agent=" + strconv.FormatInt(bia.ID, 10): a,
		} {
			body = list(q)
			require.Contains(t, body, row(want), q)
			other := a
			if want.ID == a.ID {
				other = c
			}
			require.NotContains(t, body, row(other), q)
		}
		require.Contains(t, list("?status=qualified"), `<option value="qualified" selected>`, "the filter stays in the form")
		today := time.Now().UTC()
		body = list("?from=" + today.AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + today.AddDate(0, 0, 1).Format(time.DateOnly))
		require.Contains(t, body, row(a))
		require.Contains(t, body, row(c))
		body = list("?from=2001-01-01&to=2001-01-31")
		require.Contains(t, body, "No leads match.")

		status, _, body := b.do(http.MethodGet, "/leads?status=nope", nil, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "This filter cannot be read")
		status, _, _ = b.do(http.MethodGet, "/leads?from=2001-02-01&to=2001-01-01", nil, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)

		// The fragment live.js swaps in is the list alone.
		status, _, body = b.do(http.MethodGet, "/leads/list?status=qualified", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, row(a))
		require.NotContains(t, body, "<html")
	})
}

// TestLeadReportPage: the report counts the period's leads by source and
// by status, draws a chart of each, and exports the same as CSV.
func TestLeadReportPage(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		leadFor(t, env, "+5511987654201", lead.NewLead{SourceID: 2})
		leadFor(t, env, "+5511987654202", lead.NewLead{SourceID: 2, Status: lead.StatusQualified})
		leadFor(t, env, "+5511987654203", lead.NewLead{})
		addUser(t, env, "bia@example.com", "agent")
		b := loggedIn(t, env, "bia@example.com", "correct horse battery")
		today := time.Now().UTC()
		q := "?from=" + today.AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + today.AddDate(0, 0, 1).Format(time.DateOnly)
		status, _, body := b.do(http.MethodGet, "/leads/report"+q, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `data-total="leads">3<`)
		require.Equal(t, 2, strings.Count(body, "<svg"), "a chart by source and one by status")
		require.Contains(t, body, "<title>Facebook · Leads: 2</title>")
		require.Contains(t, body, "<title>Qualified · Leads: 1</title>")
		require.Contains(t, body, `<tr data-source="2"><td>Facebook</td><td class="count">2</td>`)
		require.Contains(t, body, `<tr data-source="0"><td>No source</td><td class="count">1</td>`)
		require.Contains(t, body, `<tr data-status="new"><td>New</td><td class="count">2</td>`)
		require.Contains(t, body, `href="/leads/report.csv`+strings.ReplaceAll(q, "&", "&amp;")+`"`)

		status, h, body := b.do(http.MethodGet, "/leads/report.csv"+q, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "text/csv; charset=utf-8", h.Get("Content-Type"))
		require.Contains(t, h.Get("Content-Disposition"), "attachment")
		require.True(t, strings.HasPrefix(body, "group,key,name,count\n"), body)
		require.Contains(t, body, "source,2,Facebook,2\n")
		require.Contains(t, body, "source,0,,1\n")
		require.Contains(t, body, "status,qualified,qualified,1\n")
		require.Contains(t, body, "status,new,new,2\n")

		status, _, body = b.do(http.MethodGet, "/leads/report?from=2001-02-01&to=2001-01-01", nil, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.NotContains(t, body, "<svg")
		status, _, _ = b.do(http.MethodGet, "/leads/report.csv?from=bad", nil, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
	})
}

// TestLeadSourcesPage adds, renames and removes sources; the service's
// refusals (a taken name, the source auto lead uses) show next to the
// form that caused them and change nothing.
func TestLeadSourcesPage(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b := settingsAdmin(t, env, "ana@example.com")
		status, h, _ := b.do(http.MethodPost, "/leads/sources", url.Values{"name": {"  Feira de Maio  "}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/leads/sources?saved=1", h.Get("Location"))
		var id int64
		require.NoError(t, env.App.DB.Read().QueryRow(context.Background(), `SELECT id FROM lead_sources WHERE name = 'Feira de Maio'`).Scan(&id))
		ids := strconv.FormatInt(id, 10)

		status, _, body := b.do(http.MethodPost, "/leads/sources", url.Values{"name": {"feira de maio"}}, nil)
		require.Equal(t, http.StatusConflict, status)
		require.Contains(t, body, `id="err-add" class="error field-error" role="alert">A source with this name exists.`)
		require.Contains(t, body, `value="feira de maio"`, "what was typed stays")
		status, _, body = b.do(http.MethodPost, "/leads/sources/"+ids+"/rename", url.Values{"name": {""}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-rename-`+ids+`"`)
		status, _, _ = b.do(http.MethodPost, "/leads/sources/"+ids+"/rename", url.Values{"name": {"Feira de Junho"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM lead_sources WHERE name = 'Feira de Junho'`))

		status, _, body = b.do(http.MethodPost, "/leads/sources/1/delete", nil, nil)
		require.Equal(t, http.StatusConflict, status)
		require.Contains(t, body, `id="err-remove-1" class="error field-error" role="alert">Auto lead uses this source`)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM lead_sources WHERE id = 1`))
		status, _, _ = b.do(http.MethodPost, "/leads/sources/"+ids+"/delete", nil, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM lead_sources WHERE id = ?`, id))
		status, _, _ = b.do(http.MethodPost, "/leads/sources/"+ids+"/delete", nil, nil)
		require.Equal(t, http.StatusNotFound, status)
	})
}

// TestChatLeadPanel: beside a chat whose contact has no open lead the
// panel offers "Create lead"; once created it shows the lead and changes
// its status; closing it brings "Create lead" back.
func TestChatLeadPanel(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		conv := settingsCustomerWrites(t, env, "+5511987654301", "Oi")
		path := "/inbox/" + strconv.FormatInt(conv, 10)
		b := settingsAdmin(t, env, "ana@example.com")
		_, _, body := b.do(http.MethodGet, path, nil, nil)
		require.Contains(t, body, `id="lead-panel"`)
		require.Contains(t, body, "Create lead")

		status, h, _ := b.do(http.MethodPost, path+"/lead", url.Values{"action": {"create"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, path, h.Get("Location"))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM leads`))
		_, _, body = b.do(http.MethodGet, path, nil, nil)
		require.Contains(t, body, `id="lead-panel-status">New<`)
		require.NotContains(t, body, "Create lead")

		status, _, _ = b.do(http.MethodPost, path+"/lead", url.Values{"status": {"contacted"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		var st string
		require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT status FROM leads`).Scan(&st))
		require.Equal(t, "contacted", st)
		status, _, body = b.do(http.MethodPost, path+"/lead", url.Values{"status": {"nope"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="lead-problem" class="error" role="alert">Choose a status from the list.`)

		status, _, _ = b.do(http.MethodPost, path+"/lead", url.Values{"status": {"closed"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		_, _, body = b.do(http.MethodGet, path, nil, nil)
		require.Contains(t, body, "Create lead", "a closed lead is not open")
		status, _, _ = b.do(http.MethodPost, "/inbox/999999/lead", url.Values{"action": {"create"}}, nil)
		require.Equal(t, http.StatusNotFound, status)
	})
}
