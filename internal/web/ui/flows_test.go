package ui_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/store"
)

// anyFlowID is the id of some live flow (the sandbox's examples).
func anyFlowID(t *testing.T, env *apptest.Env) string {
	t.Helper()
	var id int64
	require.NoError(t, env.App.DB.Read().QueryRow(context.Background(), `SELECT MIN(id) FROM flows WHERE archived_at = 0`).Scan(&id))
	require.NotZero(t, id)
	return strconv.FormatInt(id, 10)
}

// TestFlowPagesNeedAnAdmin shows an agent, even one who may manage
// settings, gets 403 on every flows and runs page and action, sees no
// Flows link, and changes nothing; a cross-site post of an admin is
// refused too.
func TestFlowPagesNeedAnAdmin(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		id := anyFlowID(t, env)
		runID, err := env.App.Flows.TestRun(ctx, mustInt(id), flowTestRequest())
		require.NoError(t, err)
		run := strconv.FormatInt(runID, 10)

		addUser(t, env, "bia@example.com", "agent")
		require.NoError(t, env.App.DB.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE users SET permissions = '["manage_settings"]' WHERE email = 'bia@example.com'`)
			return err
		}))
		b := newBrowser(t, env)
		status, _, _ := b.login("bia@example.com", "correct horse battery")
		require.Equal(t, http.StatusSeeOther, status)
		_, _, body := b.do(http.MethodGet, "/inbox", nil, nil)
		require.NotContains(t, body, `href="/flows"`)
		for _, p := range []string{"/flows", "/flows/new", "/flows/" + id, "/flows/" + id + "/versions", "/flows/" + id + "/export", "/runs", "/runs/" + run, "/runs/" + run + "/live"} {
			status, _, _ := b.do(http.MethodGet, p, nil, nil)
			require.Equal(t, http.StatusForbidden, status, p)
		}
		flows, versions := env.Count(`SELECT COUNT(*) FROM flows`), env.Count(`SELECT COUNT(*) FROM flow_versions`)
		runs := env.Count(`SELECT COUNT(*) FROM flow_runs`)
		posts := map[string]url.Values{
			"/flows":                   {"example": {"post_call_followup.yaml"}},
			"/flows/" + id:             {"format": {"yaml"}, "definition": {"name: x"}},
			"/flows/" + id + "/enable": {},
			"/flows/" + id + "/test":   {"to": {"+5511988887777"}},
			"/runs/" + run + "/cancel": {},
		}
		for p, form := range posts {
			status, _, _ := b.do(http.MethodPost, p, form, nil)
			require.Equal(t, http.StatusForbidden, status, p)
		}
		require.Equal(t, flows, env.Count(`SELECT COUNT(*) FROM flows`))
		require.Equal(t, versions, env.Count(`SELECT COUNT(*) FROM flow_versions`))
		require.Equal(t, runs, env.Count(`SELECT COUNT(*) FROM flow_runs`))
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM flows WHERE enabled = ?`, true))
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM flow_runs WHERE status = 'cancelled'`))

		anon := newBrowser(t, env)
		status, h, _ := anon.do(http.MethodGet, "/flows", nil, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, "/login?next=%2Fflows", h.Get("Location"))

		admin := settingsAdmin(t, env, "ana@example.com")
		_, _, body = admin.do(http.MethodGet, "/inbox", nil, nil)
		require.Contains(t, body, `href="/flows"`)
		status, _, _ = admin.do(http.MethodPost, "/flows", url.Values{"example": {"post_call_followup.yaml"}},
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": ""})
		require.Equal(t, http.StatusForbidden, status)
		require.Equal(t, flows, env.Count(`SELECT COUNT(*) FROM flows`))
	})
}

func flowTestRequest() flow.TestRunRequest {
	return flow.TestRunRequest{To: "+5511988887777"}
}

func mustInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

var lineOf = regexp.MustCompile(`data-line="(\d+)"`)

// TestAdminEditsAFlow walks an admin through the flows pages: a flow
// from the gallery (its name taken by the installed example gets a
// number), a broken save that keeps the text and points at the line and
// field, the fixed save, the versions diff, export, import, enabling and
// a test run whose page shows the run.
func TestAdminEditsAFlow(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b := settingsAdmin(t, env, "ana@example.com")
		status, h, _ := b.do(http.MethodPost, "/flows", url.Values{"example": {"post_call_followup.yaml"}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		path := h.Get("Location")
		require.Regexp(t, `^/flows/\d+$`, path)
		status, _, body := b.do(http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Post-call follow-up (2)")
		require.Contains(t, body, `<svg class="flow-diagram"`)
		require.Contains(t, body, `data-step="follow_up"`)

		_, _, yaml := b.do(http.MethodGet, path+"/export?format=yaml", nil, nil)
		require.Contains(t, yaml, "duration: 10m")
		broken := strings.Replace(yaml, "duration: 10m", "duration: ten minutes", 1)
		status, _, body = b.do(http.MethodPost, path, url.Values{"format": {"yaml"}, "definition": {broken}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "steps[0].duration")
		require.Contains(t, body, "duration: ten minutes", "the text is kept")
		m := lineOf.FindStringSubmatch(body)
		require.NotNil(t, m)
		n, _ := strconv.Atoi(m[1])
		require.Contains(t, strings.Split(broken, "\n")[n-1], "duration: ten minutes", "the problem points at the line of the field")
		require.Contains(t, body, `id="L`+m[1]+`" class="bad"`)
		require.Equal(t, 1, env.Count(`SELECT MAX(version) FROM flows WHERE name = 'Post-call follow-up (2)'`), "nothing saved")

		fixed := strings.Replace(yaml, "duration: 10m", "duration: 1s", 1)
		status, _, body = b.do(http.MethodPost, path, url.Values{"format": {"yaml"}, "definition": {fixed}}, nil)
		require.Equal(t, http.StatusOK, status, body)
		require.Contains(t, body, "Saved as version")
		status, _, body = b.do(http.MethodGet, path+"/versions?a=1&b=2", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Regexp(t, `class="del".*\n?.*duration: 10m`, body)
		require.Contains(t, body, "duration: 1s")

		// JSON, converted from the YAML without saving.
		status, _, body = b.do(http.MethodPost, path+"/convert", url.Values{"format": {"yaml"}, "definition": {fixed}}, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `&#34;duration&#34;: &#34;1s&#34;`)

		// Enabling: the sandbox has the templates, so it is allowed once
		// they are synced (in the background, at start).
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM templates WHERE name IN ('call_followup', 'appointment_confirmation') AND status = 'APPROVED'`) == 2
		}, "the sandbox's templates are synced")
		status, h, _ = b.do(http.MethodPost, path+"/enable", url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM flows WHERE name = 'Post-call follow-up (2)' AND enabled = ?`, true))

		status, h, _ = b.do(http.MethodPost, path+"/test", url.Values{"to": {"+5511988887777"}, "trigger": {`{"outcome": "interested", "customer_name": "Ana"}`}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		runPath := h.Get("Location")
		require.Regexp(t, `^/runs/\d+$`, runPath)
		status, _, body = b.do(http.MethodGet, runPath, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `data-step="wait"`)
		require.Contains(t, body, "+5511988887777")
		status, _, body = b.do(http.MethodGet, "/runs?phone=%2B5511988887777", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `href="`+runPath+`"`)
		_, _, body = b.do(http.MethodGet, "/flows", nil, nil)
		require.Contains(t, body, "Post-call follow-up (2)")

		status, _, body = b.do(http.MethodPost, path+"/test", url.Values{"to": {"+5511988887777"}, "trigger": {`not json`}}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "must be a JSON object")

		// Import the exported file again as a new flow.
		renamed := strings.Replace(fixed, "name: Post-call follow-up (2)", "name: Imported", 1)
		status, h, body = b.upload("/flows/import", "flow.yaml", renamed)
		require.Equal(t, http.StatusSeeOther, status, body)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM flows WHERE name = 'Imported'`))
		status, _, body = b.upload("/flows/import", "flow.yaml", "name: [")
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "not valid YAML")
	})
}

// upload posts a file as the import form does.
func (b *browser) upload(path, name, content string) (int, http.Header, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(b.t, err)
	_, _ = io.WriteString(fw, content)
	require.NoError(b.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.base+path, &buf)
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.base)
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

// exampleFlowID is the id of the installed example flow named name.
func exampleFlowID(t *testing.T, env *apptest.Env, name string) string {
	t.Helper()
	var id int64
	require.NoError(t, env.App.DB.Read().QueryRow(context.Background(), `SELECT id FROM flows WHERE name = ?`, name).Scan(&id))
	return strconv.FormatInt(id, 10)
}

// TestRunPageWaitsAndCancels shows a waiting run's page says what it
// waits for and when it wakes, its live fragment asks to be fetched again
// while it moves and stops asking once it is cancelled, and cancelling an
// ended run says so.
func TestRunPageWaitsAndCancels(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b := settingsAdmin(t, env, "ana@example.com")
		id := exampleFlowID(t, env, "Post-call follow-up")
		status, h, _ := b.do(http.MethodPost, "/flows/"+id+"/test", url.Values{"to": {"+5511988887777"}, "trigger": {`{"outcome": "interested"}`}}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		runPath := h.Get("Location")
		status, _, body := b.do(http.MethodGet, runPath, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "for the delay to pass")
		require.Contains(t, body, "wakes at")
		require.Contains(t, body, `id="cancel-run"`)
		_, _, frag := b.do(http.MethodGet, runPath+"/live", nil, nil)
		require.True(t, strings.HasPrefix(strings.TrimSpace(frag), `<div id="run-live"`), "the fragment is the live part only")
		require.Contains(t, frag, "data-active")

		status, h, _ = b.do(http.MethodPost, runPath+"/cancel", url.Values{}, nil)
		require.Equal(t, http.StatusSeeOther, status)
		require.Equal(t, runPath, h.Get("Location"))
		_, _, frag = b.do(http.MethodGet, runPath+"/live", nil, nil)
		require.NotContains(t, frag, "data-active")
		require.Contains(t, frag, "cancelled")
		require.NotContains(t, frag, `id="cancel-run"`)
		status, _, body = b.do(http.MethodPost, runPath+"/cancel", url.Values{}, nil)
		require.Equal(t, http.StatusConflict, status)
		require.Contains(t, body, "already ended")

		status, _, body = b.do(http.MethodGet, "/runs?status=cancelled&flow="+id, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `href="`+runPath+`"`)
		status, _, body = b.do(http.MethodGet, "/runs?status=completed", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, `href="`+runPath+`"`)
		status, _, _ = b.do(http.MethodGet, "/runs?from=yesterday", nil, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		status, _, _ = b.do(http.MethodGet, "/runs/999999", nil, nil)
		require.Equal(t, http.StatusNotFound, status)
	})
}

// TestTemplateWarningsAtTheirLines shows a template the sender's
// account does not have is saved with a warning at the line of its name,
// and enabling the flow is then refused at that same line.
func TestTemplateWarningsAtTheirLines(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		b := settingsAdmin(t, env, "ana@example.com")
		id := exampleFlowID(t, env, "Appointment reminder")
		path := "/flows/" + id
		_, _, yaml := b.do(http.MethodGet, path+"/export", nil, nil)
		edited := strings.Replace(yaml, "name: appointment_confirmation", "name: no_such_template", 1)
		line := 1 + strings.Count(edited[:strings.Index(edited, "name: no_such_template")], "\n")
		status, _, body := b.do(http.MethodPost, path, url.Values{"format": {"yaml"}, "definition": {edited}}, nil)
		require.Equal(t, http.StatusOK, status, body)
		require.Contains(t, body, "Saved as version")
		require.Contains(t, body, `data-line="`+strconv.Itoa(line)+`"`)
		require.Contains(t, body, `class="bad warn"`)
		require.Contains(t, body, "no template no_such_template")

		status, _, body = b.do(http.MethodPost, path+"/enable", url.Values{}, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `data-line="`+strconv.Itoa(line)+`"`)
		require.Contains(t, body, "cannot be enabled")
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM flows WHERE id = ? AND enabled = ?`, mustInt(id), true))
	})
}

// TestRunsListPages shows the run list pages newest first, 50 at a
// time, keeping the search in the next page's link.
func TestRunsListPages(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		id := mustInt(exampleFlowID(t, env, "Appointment reminder"))
		var first, last int64
		for i := range 52 {
			run, err := env.App.Flows.TestRun(ctx, id, flow.TestRunRequest{To: "+5511988887777"})
			require.NoError(t, err)
			if i == 0 {
				first = run
			}
			last = run
		}
		b := settingsAdmin(t, env, "ana@example.com")
		status, _, body := b.do(http.MethodGet, "/runs?phone=%2B5511988887777", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `href="/runs/`+strconv.FormatInt(last, 10)+`"`)
		require.NotContains(t, body, `href="/runs/`+strconv.FormatInt(first, 10)+`"`)
		m := regexp.MustCompile(`href="(/runs\?[^"]*before=\d+[^"]*)"`).FindStringSubmatch(body)
		require.NotNil(t, m, "a link to older runs")
		next := strings.ReplaceAll(m[1], "&amp;", "&")
		require.Contains(t, next, "phone=%2B5511988887777")
		status, _, body = b.do(http.MethodGet, next, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `href="/runs/`+strconv.FormatInt(first, 10)+`"`)
		require.NotContains(t, body, "before=", "the last page has no older link")
	})
}

// TestRunPageShowsTheErrorWithItsFix shows a step that failed for good
// on the run page with its code, message and what to do about it.
func TestRunPageShowsTheErrorWithItsFix(t *testing.T) {
	each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		rec, err := env.App.Flows.Create(ctx, flow.Flow{Name: "Say hi", Trigger: flow.Trigger{Type: flow.TriggerEvent, Event: "hi"},
			Steps: []flow.Step{{ID: "hello", Type: flow.StepSendText, Sender: "100000000000011", To: "{{contact.phone}}", Text: "hi"}}})
		require.NoError(t, err)
		runID, err := env.App.Flows.TestRun(ctx, rec.ID, flow.TestRunRequest{To: "12345"})
		require.NoError(t, err)
		env.Eventually(func() bool {
			return env.Count(`SELECT COUNT(*) FROM flow_runs WHERE id = ? AND status = 'failed'`, runID) == 1
		}, "the run fails")
		b := settingsAdmin(t, env, "ana@example.com")
		status, _, body := b.do(http.MethodGet, "/runs/"+strconv.FormatInt(runID, 10), nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "invalid_phone")
		require.Contains(t, body, "How to fix:")
		require.Contains(t, body, "with country code")
		require.NotContains(t, body, "data-active", "a failed run is not polled")
		_, _, body = b.do(http.MethodGet, "/flows", nil, nil)
		require.Regexp(t, `class="bad">\s*1\s*</td>`, body, "today's failure is counted")
	})
}
