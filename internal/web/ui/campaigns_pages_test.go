package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/campaign"
)

// upload posts a multipart form with one file the way a browser on this
// site would.
func (b *browser) uploadForm(path string, fields url.Values, file, content string) (int, http.Header, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			require.NoError(b.t, mw.WriteField(k, v))
		}
	}
	if file != "" {
		fw, err := mw.CreateFormFile("file", file)
		require.NoError(b.t, err)
		_, err = io.WriteString(fw, content)
		require.NoError(b.t, err)
	}
	require.NoError(b.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.base+path, &body)
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp.StatusCode, resp.Header, string(raw)
}

// campaignDraft creates a draft through the pages and returns its path,
// once the sandbox's templates are synced (the mapping and the preview
// read the template).
func campaignDraft(t *testing.T, env *apptest.Env, b *browser, template string) string {
	t.Helper()
	name, _, _ := strings.Cut(template, "|")
	env.Eventually(func() bool {
		return env.Count(`SELECT COUNT(*) FROM templates WHERE name = ? AND status = 'APPROVED'`, name) == 1
	}, "the template is synced")
	sender := env.Count(`SELECT MIN(id) FROM senders`)
	status, h, body := b.do(http.MethodPost, "/campaigns/new", url.Values{"name": {"Entregas"}, "sender_ids": {strconv.Itoa(sender)},
		"template": {template}}, nil)
	require.Equal(t, http.StatusSeeOther, status, body)
	loc := h.Get("Location")
	require.True(t, strings.HasSuffix(loc, "/audience"), loc)
	return strings.TrimSuffix(loc, "/audience")
}

// TestCampaignPagesPermissions: the campaign pages need manage_settings,
// like /api/v1/campaigns. An agent without it gets 403 on every page and
// action and no link in the nav; granted it, the list opens.
func TestCampaignPagesPermissions(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		admin := settingsAdmin(t, env, "ana@example.com")
		base := campaignDraft(t, env, admin, "delivery_update|pt_BR")
		status, _, body := admin.do(http.MethodGet, "/inbox", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `href="/campaigns"`, "the nav links the campaigns for an admin")

		addUser(t, env, "bia@example.com", "agent")
		b := loggedIn(t, env, "bia@example.com", "correct horse battery")
		_, _, body = b.do(http.MethodGet, "/inbox", nil, nil)
		require.NotContains(t, body, `href="/campaigns"`)
		for _, path := range []string{"/campaigns", "/campaigns/new", base, base + "/setup", base + "/audience", base + "/mapping",
			base + "/review", base + "/test", base + "/schedule", base + "/live", base + "/recipients.csv", base + "/skipped.csv"} {
			status, _, _ := b.do(http.MethodGet, path, nil, nil)
			require.Equal(t, http.StatusForbidden, status, path)
		}
		for _, path := range []string{"/campaigns/new", base + "/setup", base + "/mapping", base + "/review", base + "/test",
			base + "/schedule", base + "/pause", base + "/resume", base + "/cancel", base + "/delete"} {
			status, _, _ := b.do(http.MethodPost, path, url.Values{"name": {"x"}, "to": {"+5511999990000"}, "action": {"start"}}, nil)
			require.Equal(t, http.StatusForbidden, status, path)
		}
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM campaigns`))
		require.Equal(t, 0, env.Count(`SELECT COUNT(*) FROM messages WHERE source LIKE 'campaign%'`), "no test was sent")
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM campaigns WHERE status = 'draft' AND name = 'Entregas'`))

		setPermissions(t, env, "bia@example.com", `["manage_settings"]`)
		status, _, body = b.do(http.MethodGet, "/campaigns", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Entregas")
		status, _, body = b.do(http.MethodGet, "/campaigns", nil, map[string]string{"Accept-Language": "pt-BR"})
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Nova campanha")
	})
}

// TestCampaignWizardValidation runs the wizard over HTTP with a CSV
// audience. Each refused step answers 422 with the error next to its
// field and what was typed kept: no name, no sender, an unmapped
// variable, a bad test number, start before a test, an unknown time
// zone. Then the test send and start work and the campaign page shows the
// campaign completed with every row sent.
func TestCampaignWizardValidation(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b := settingsAdmin(t, env, "ana@example.com")
		status, _, body := b.do(http.MethodPost, "/campaigns/new", url.Values{"name": {" "}, "template": {"delivery_update|pt_BR"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-name"`)
		require.Contains(t, body, "Give the campaign a name.")
		status, _, body = b.do(http.MethodPost, "/campaigns/new", url.Values{"name": {"Entregas"}, "template": {"delivery_update|pt_BR"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-sender_ids"`)
		require.Contains(t, body, `value="Entregas"`, "the name typed is kept")
		require.Equal(t, 0, env.Count(`SELECT COUNT(*) FROM campaigns`), "nothing saved")

		base := campaignDraft(t, env, b, "delivery_update|pt_BR")
		status, _, body = b.uploadForm(base+"/audience", url.Values{"kind": {"csv"}}, "", "")
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-file"`)
		var csv strings.Builder
		csv.WriteString("telefone,nome,pedido\n")
		for i := 1; i <= 5; i++ {
			fmt.Fprintf(&csv, "+55119%08d,Cliente %d,#%d\n", 30000000+i, i, i)
		}
		csv.WriteString("123,Sem numero,#9\n")
		status, h, body := b.uploadForm(base+"/audience", url.Values{"kind": {"csv"}}, "clientes.csv", csv.String())
		require.Equal(t, http.StatusSeeOther, status, body)
		require.Equal(t, base+"/mapping", h.Get("Location"))

		status, _, body = b.do(http.MethodGet, base+"/mapping", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `value="csv.nome"`, "the CSV's columns are sources")
		require.Contains(t, body, "{{customer_name}}")
		require.Contains(t, body, `id="template-body"`, "the template's text shows beside the mapping")
		form := url.Values{"placeholder": {"customer_name", "order_id"}, "from-customer_name": {"csv.nome"}, "default-customer_name": {"cliente"}}
		status, _, body = b.do(http.MethodPost, base+"/mapping", form, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-from-order_id"`)
		require.Contains(t, body, `value="cliente"`, "the default typed is kept")
		form.Set("from-order_id", "csv.pedido")
		status, h, body = b.do(http.MethodPost, base+"/mapping", form, nil)
		require.Equal(t, http.StatusSeeOther, status, body)
		require.Equal(t, base+"/review", h.Get("Location"))

		status, _, body = b.do(http.MethodGet, base+"/review", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `data-count="total">6<`)
		require.Contains(t, body, `data-count="will_send">5<`)
		require.Contains(t, body, `data-count="skip-invalid_number">1<`)
		status, _, body = b.do(http.MethodGet, base+"/skipped.csv", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "123,invalid_number")

		status, _, body = b.do(http.MethodPost, base+"/schedule", url.Values{"when": {"now"}, "action": {"start"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "Send a test with the current template and mapping first")
		status, _, body = b.do(http.MethodPost, base+"/test", url.Values{"to": {"abc"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-to"`)
		require.Contains(t, body, `value="abc"`)
		status, h, body = b.do(http.MethodPost, base+"/test", url.Values{"to": {"+5511930000001"}}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)
		status, _, body = b.do(http.MethodGet, h.Get("Location"), nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `id="to-schedule"`, "a test that did not fail lets the wizard go on")

		status, _, body = b.do(http.MethodPost, base+"/schedule", url.Values{"when": {"now"}, "use_window": {"on"}, "window_start": {"09:00"},
			"window_end": {"20:00"}, "time_zone": {"Mars/Olympus"}, "pause_quality": {"RED"}, "error_share": {"50"}, "action": {"start"}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `id="err-time_zone"`)
		require.Contains(t, body, `value="Mars/Olympus"`)
		status, _, body = b.do(http.MethodPost, base+"/schedule", url.Values{"when": {"now"}, "time_zone": {"America/Sao_Paulo"},
			"pause_quality": {"RED"}, "pause_offline": {"on"}, "error_share": {"50"}, "action": {"start"}}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)

		id, err := strconv.ParseInt(strings.TrimPrefix(base, "/campaigns/"), 10, 64)
		require.NoError(t, err)
		env.Eventually(func() bool {
			c, err := env.App.Campaigns.Get(context.Background(), id)
			return err == nil && c.Status == campaign.StatusCompleted
		}, "the campaign completes")
		c, err := env.App.Campaigns.Get(context.Background(), id)
		require.NoError(t, err)
		require.Equal(t, campaign.PauseRules{Quality: "RED", Offline: true, ErrorShare: 0.5}, c.Pause)
		status, _, body = b.do(http.MethodGet, base+"/live", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `data-status="completed"`)
		require.Contains(t, body, `data-count="sent">5<`)
		require.Contains(t, body, `data-count="queued">0<`)
		require.NotContains(t, body, `id="campaign-pause"`)
		status, _, body = b.do(http.MethodPost, base+"/pause", url.Values{}, nil)
		require.Equal(t, http.StatusConflict, status)
		require.Contains(t, body, "Only a running or scheduled campaign can be paused.")
		status, _, body = b.do(http.MethodGet, base+"/recipients.csv", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Len(t, strings.Split(strings.TrimSpace(body), "\n"), 7, "a header and the six rows")
		status, h, _ = b.do(http.MethodGet, base+"/setup", nil, nil)
		require.Equal(t, http.StatusSeeOther, status, "a started campaign has no wizard")
		require.Equal(t, base, h.Get("Location"))
	})
}

// TestCampaignMarketingWithoutOptOutWarns: a marketing template that
// offers no opt-out shows the warning on the review and test steps.
func TestCampaignMarketingWithoutOptOutWarns(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		// reactivation_offer is a marketing template with no opt-out,
		// paused in a fresh sandbox.
		env.App.Sandbox.SetTemplateStatus("reactivation_offer", "pt_BR", "APPROVED")
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM templates WHERE name = 'reactivation_offer' AND status = 'APPROVED'`) == 1
		}, "the template is approved")
		b := settingsAdmin(t, env, "ana@example.com")
		base := campaignDraft(t, env, b, "reactivation_offer|pt_BR")
		status, _, body := b.do(http.MethodPost, base+"/mapping", url.Values{"placeholder": {"1"}, "from-1": {"text:"}, "text-1": {"você"}}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)
		for _, step := range []string{"/review", "/test"} {
			status, _, body = b.do(http.MethodGet, base+step, nil, nil)
			require.Equal(t, http.StatusOK, status)
			require.Contains(t, body, "This marketing template offers no way to opt out", step)
		}
		status, _, body = b.do(http.MethodGet, base+"/review", nil, map[string]string{"Accept-Language": "pt-BR"})
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Este modelo de marketing não oferece como se descadastrar")
	})
}

// TestCampaignScheduledPauseCancel schedules a CSV campaign of 60 rows
// for later (with a send window): its page shows it scheduled with every
// recipient queued, the recipients a page of 50 at a time; Pause shows
// the reason, Cancel ends it, and nothing was sent but the test.
func TestCampaignScheduledPauseCancel(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b := settingsAdmin(t, env, "ana@example.com")
		base := campaignDraft(t, env, b, "delivery_update|pt_BR")
		var csv strings.Builder
		csv.WriteString("phone\n")
		for i := 1; i <= 60; i++ {
			fmt.Fprintf(&csv, "+55119%08d\n", 50000000+i)
		}
		status, _, body := b.uploadForm(base+"/audience", url.Values{"kind": {"csv"}}, "lista.csv", csv.String())
		require.Equal(t, http.StatusSeeOther, status, body)
		status, _, body = b.do(http.MethodPost, base+"/mapping", url.Values{"placeholder": {"customer_name", "order_id"},
			"from-customer_name": {"text:"}, "text-customer_name": {"cliente"}, "from-order_id": {"text:"}, "text-order_id": {"de hoje"}}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)
		status, _, body = b.do(http.MethodPost, base+"/test", url.Values{"to": {"+5511950000001"}}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)
		status, _, body = b.do(http.MethodPost, base+"/schedule", url.Values{"when": {"at"}, "start_at": {"2099-01-01T09:00"},
			"time_zone": {"America/Sao_Paulo"}, "use_window": {"on"}, "window_start": {"09:00"}, "window_end": {"20:00"},
			"pause_quality": {"YELLOW"}, "error_share": {"10"}, "action": {"start"}}, nil)
		require.Equal(t, http.StatusSeeOther, status, body)

		status, _, body = b.do(http.MethodGet, base, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `data-status="scheduled"`)
		require.Contains(t, body, `data-count="queued">60<`)
		require.Contains(t, body, `id="campaign-pause"`)
		require.Contains(t, body, `data-active`, "a scheduled campaign's page follows it")
		require.Equal(t, 50, strings.Count(body, `<tr id="recipient-`))
		i := strings.Index(body, `rel="next" href="`)
		require.Positive(t, i, "a next page")
		next := body[i+len(`rel="next" href="`):]
		next = strings.ReplaceAll(next[:strings.IndexByte(next, '"')], "&amp;", "&")
		status, _, body = b.do(http.MethodGet, next, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, 10, strings.Count(body, `<tr id="recipient-`))
		require.NotContains(t, body, `rel="next"`)

		status, h, _ := b.do(http.MethodPost, base+"/pause", url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, base, h.Get("Location"))
		_, _, body = b.do(http.MethodGet, base, nil, nil)
		require.Contains(t, body, `data-status="paused"`)
		require.Contains(t, body, `id="pause-reason"`)
		require.Contains(t, body, "paused by hand")
		require.Contains(t, body, `id="campaign-resume"`)
		status, _, _ = b.do(http.MethodPost, base+"/cancel", url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		_, _, body = b.do(http.MethodGet, base, nil, nil)
		require.Contains(t, body, `data-status="cancelled"`)
		require.NotContains(t, body, `id="campaign-resume"`)
		require.NotContains(t, body, `id="campaign-cancel"`)
		require.Equal(t, 0, env.Count(`SELECT COUNT(*) FROM messages WHERE source = ?`, "campaign:"+strings.TrimPrefix(base, "/campaigns/")))
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE source = ?`, "campaign-test:"+strings.TrimPrefix(base, "/campaigns/")))
		// Start, pause and cancel are in the audit log, in that order.
		_, _, body = b.do(http.MethodGet, "/audit?section=campaigns", nil, nil)
		started, paused, cancelled := strings.Index(body, "started campaign"), strings.Index(body, "paused campaign"), strings.Index(body, "cancelled campaign")
		require.True(t, started > 0 && paused > 0 && cancelled > 0, "every action logged")
		require.True(t, cancelled < paused && paused < started, "newest first")
	})
}

// TestCampaignSettingsPanel: the campaigns panel shows the send share in
// percent (80 until changed), saves a new one, refuses 0 and 150 next to
// the field with nothing saved, and needs manage_settings.
func TestCampaignSettingsPanel(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		b := settingsAdmin(t, env, "ana@example.com")
		status, _, body := b.do(http.MethodGet, "/settings/campaigns", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `name="send_share" value="80"`)
		body = b.saveSettings("/settings/campaigns", url.Values{"send_share": {"60"}})
		require.Contains(t, body, `name="send_share" value="60"`)
		v, err := env.App.Campaigns.Settings(ctx)
		require.NoError(t, err)
		require.Equal(t, 0.6, v.SendShare)
		for _, bad := range []string{"0", "150", "x"} {
			status, _, body = b.do(http.MethodPost, "/settings/campaigns", url.Values{"send_share": {bad}}, nil)
			require.Equal(t, http.StatusUnprocessableEntity, status, bad)
			require.Contains(t, body, `id="err-send_share"`, bad)
			require.Contains(t, body, `value="`+bad+`"`, "what was typed stays")
		}
		v, err = env.App.Campaigns.Settings(ctx)
		require.NoError(t, err)
		require.Equal(t, 0.6, v.SendShare, "nothing saved")

		addUser(t, env, "bia@example.com", "agent")
		a := loggedIn(t, env, "bia@example.com", "correct horse battery")
		status, _, _ = a.do(http.MethodGet, "/settings/campaigns", nil, nil)
		require.Equal(t, http.StatusForbidden, status)
		status, _, _ = a.do(http.MethodPost, "/settings/campaigns", url.Values{"send_share": {"100"}}, nil)
		require.Equal(t, http.StatusForbidden, status)
	})
}
