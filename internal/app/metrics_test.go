package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/ai"
	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/store"
)

// scrape reads GET /metrics as Prometheus does.
func scrape(t *testing.T, env *apptest.Env) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(env.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return fams
}

// sample is the value of the series of family name whose labels include
// labels (name=value pairs); a histogram's value is its count. ok is
// false when there is no such series.
func sample(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if !hasLabels(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// metricsActivity makes one of each thing the operator metrics count: a
// customer message forwarded to a CRM endpoint, a flow run that sends a
// template through the sandbox, one that fails at its send step (an
// invalid number), and two assistant calls (one refused: AI switched
// off). It returns a scrape taken after all of it.
func metricsActivity(t *testing.T, env *apptest.Env) map[string]*dto.MetricFamily {
	t.Helper()
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	waitTemplates(t, env)
	var forwarded atomic.Int32
	crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		forwarded.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(crm.Close)
	require.Equal(t, http.StatusOK, env.Do(http.MethodPut, "/api/v1/settings/forwarding", map[string]any{"enabled": true, "url": crm.URL}, nil))

	customerWrites(t, env, phone1, "+5511988880001", "oi")
	env.Eventually(func() bool {
		n, _ := sample(scrape(t, env), "zapflow_forward_attempts_total", "outcome", "delivered")
		return n == 1
	}, "the forwarded delivery counted")
	require.Equal(t, int32(1), forwarded.Load())

	createFlow(t, env, followUpFlow("metrics"))
	failing := followUpFlow("metrics failing")
	failing["trigger"] = map[string]any{"type": "event", "event": "call.missed"}
	createFlow(t, env, failing)
	for _, ev := range []struct{ typ, phone, status string }{
		{"call.completed", "+5511988887777", flow.StatusCompleted},
		{"call.missed", "123", flow.StatusFailed},
	} {
		var res flow.EventResult
		require.Equal(t, http.StatusAccepted, env.Do(http.MethodPost, "/api/v1/events", map[string]any{"type": ev.typ,
			"data": map[string]any{"customer_phone": ev.phone, "customer_name": "Ana", "outcome": "interested"}}, &res))
		require.Len(t, res.RunIDs, 1)
		waitRun(t, env, res.RunIDs[0], ev.status)
	}

	var asst ai.Assistant
	require.Equal(t, http.StatusCreated, env.Do("POST", "/api/v1/assistants", map[string]any{"name": "Bot", "system_prompt": "Help."}, &asst))
	replies := "/api/v1/assistants/" + strconv.FormatInt(asst.ID, 10) + "/replies"
	require.Equal(t, http.StatusOK, env.Do("POST", replies, map[string]any{"customer_id": "crm:1", "message": "hello"}, nil))
	require.Equal(t, http.StatusOK, env.Do("PUT", "/api/v1/settings/ai", map[string]any{"enabled": false}, nil))
	require.Equal(t, http.StatusConflict, env.Do("POST", replies, map[string]any{"customer_id": "crm:1", "message": "hello"}, nil))
	// A send is counted when its result reaches the committer, before
	// the run it completes moves on: this scrape sees both.
	return scrape(t, env)
}

// TestMetricsCountWhatHappened: after metricsActivity, /metrics shows
// each thing that happened, counted exactly.
func TestMetricsCountWhatHappened(t *testing.T) {
	each(t, []apptest.Option{apptest.AllowOutbound(t, "127.0.0.1")}, func(t *testing.T, env *apptest.Env) {
		fams := metricsActivity(t, env)
		want := func(name string, v float64, labels ...string) {
			t.Helper()
			got, ok := sample(fams, name, labels...)
			require.True(t, ok, "no series %s%v", name, labels)
			require.Equal(t, v, got, "%s%v", name, labels)
		}
		positive := func(name string, labels ...string) {
			t.Helper()
			got, ok := sample(fams, name, labels...)
			require.True(t, ok, "no series %s%v", name, labels)
			require.Positive(t, got, "%s%v", name, labels)
		}
		sent := 0
		for _, m := range env.App.Sandbox.Sent() {
			if m.PhoneNumberID == phone1 {
				sent++
			}
		}
		require.Equal(t, 1, sent, "the first run's template is the only message sent")

		// Sends and pacing (the failing run's send is refused before it
		// is queued: no attempt, no slot).
		want("zapflow_send_attempts_total", float64(sent), "sender", "1", "status", "sent", "code", "")
		_, failed := sample(fams, "zapflow_send_attempts_total", "status", "failed")
		require.False(t, failed, "no send attempt failed")
		want("zapflow_pacing_slots_booked_total", float64(sent), "sender", "1")
		positive("zapflow_pacing_limit_per_second", "sender", "1")
		senders := env.Count(`SELECT COUNT(*) FROM senders`)
		require.Len(t, fams["zapflow_send_queue_depth"].GetMetric(), senders, "every sender, empty queues included")
		want("zapflow_send_queue_depth", 0, "sender", "1")
		want("zapflow_send_queue_oldest_seconds", 0, "sender", "1")
		// Flows.
		want("zapflow_flow_runs_started_total", 2)
		want("zapflow_flow_runs_ended_total", 1, "status", "completed")
		want("zapflow_flow_runs_ended_total", 1, "status", "failed")
		want("zapflow_flow_runs_failed_total", 1, "step_type", "send_template")
		require.Len(t, fams["zapflow_flow_runs_failed_total"].GetMetric(), 1)
		want("zapflow_flow_step_seconds", 2, "step_type", "branch")
		want("zapflow_flow_step_seconds", 2, "step_type", "send_template")
		// AI.
		want("zapflow_ai_call_seconds", 2, "purpose", "reply")
		want("zapflow_ai_call_errors_total", 1, "purpose", "reply", "code", "ai_disabled")
		// Forwarding.
		want("zapflow_forward_attempts_total", 1, "outcome", "delivered")
		want("zapflow_forward_attempt_seconds", 1)
		want("zapflow_forward_pending", 0)
		// Live streams (none open), the database and the process.
		want("zapflow_live_clients", 0)
		want("zapflow_live_events_delivered_total", 0)
		positive("zapflow_db_tx_seconds", "dialect", string(env.Dialect))
		positive("zapflow_process_peak_rss_bytes")
		// The intake's own series keep their names.
		positive("zapflow_webhook_requests_total", "result", "ok")
		positive("zapflow_events_processed_total", "result", "ok")
	})
}

// exported lists the metric names a scrape shows, histogram and summary
// series names included.
func exported(fams map[string]*dto.MetricFamily) []string {
	var out []string
	for name, f := range fams {
		out = append(out, name)
		if f.GetType() == dto.MetricType_HISTOGRAM {
			out = append(out, name+"_bucket", name+"_sum", name+"_count")
		}
		if f.GetType() == dto.MetricType_SUMMARY {
			out = append(out, name+"_sum", name+"_count")
		}
	}
	sort.Strings(out)
	return out
}

// TestGrafanaDashboardUsesExportedMetrics: deploy/grafana/zapflow.json
// is a dashboard Grafana imports (a Prometheus datasource variable every
// panel uses, unique ids and query ids) whose every PromQL expression
// names only metrics this zapflow exports: seen in a scrape after
// metricsActivity, or registered and still without a series (a counter
// by error code nothing has failed with yet).
func TestGrafanaDashboardUsesExportedMetrics(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../deploy/grafana/zapflow.json")
	require.NoError(t, err)
	var dash struct {
		UID        string `json:"uid"`
		Title      string `json:"title"`
		Templating struct {
			List []struct{ Name, Type, Query string } `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID         int    `json:"id"`
			Type       string `json:"type"`
			Title      string `json:"title"`
			Datasource *struct {
				Type string `json:"type"`
				UID  string `json:"uid"`
			} `json:"datasource"`
			GridPos *struct{ H, W, X, Y int } `json:"gridPos"`
			Targets []struct {
				Expr  string `json:"expr"`
				RefID string `json:"refId"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &dash))
	require.Equal(t, "zapflow", dash.UID)
	require.NotEmpty(t, dash.Title)
	require.Len(t, dash.Templating.List, 1)
	v := dash.Templating.List[0]
	require.Equal(t, []string{"datasource", "datasource", "prometheus"}, []string{v.Name, v.Type, v.Query})

	env := apptest.Start(t, store.SQLite, apptest.AllowOutbound(t, "127.0.0.1"))
	have := exported(metricsActivity(t, env))
	for _, n := range registered(t, env.App.Metrics.Registry) {
		if !slices.Contains(have, n) {
			have = append(have, n) // a vector with no series yet
		}
	}

	ids := map[int]bool{}
	queries := 0
	for _, p := range dash.Panels {
		require.False(t, ids[p.ID], "panel id %d twice", p.ID)
		ids[p.ID] = true
		require.NotNil(t, p.GridPos, p.Title)
		if p.Type == "row" {
			continue
		}
		require.NotNil(t, p.Datasource, p.Title)
		require.Equal(t, "prometheus", p.Datasource.Type, p.Title)
		require.Equal(t, "${datasource}", p.Datasource.UID, p.Title)
		require.NotEmpty(t, p.Targets, p.Title)
		refs := map[string]bool{}
		for _, q := range p.Targets {
			require.False(t, refs[q.RefID], "%s: refId %s twice", p.Title, q.RefID)
			refs[q.RefID] = true
			names := metricNames(q.Expr)
			require.NotEmpty(t, names, "%s: %s names no metric", p.Title, q.Expr)
			for _, n := range names {
				require.Contains(t, have, n, "%s: %s is not exported", p.Title, n)
			}
			queries++
		}
	}
	require.GreaterOrEqual(t, queries, 20)
}

// promQLNoise is what metricNames removes before looking for names:
// strings, label matchers, range selectors and by/without groupings.
var promQLNoise = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|\{[^}]*\}|\[[^\]]*\]|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)

// promQLIdent is an identifier not followed by "(" (a function call).
var promQLIdent = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)

var promQLKeywords = map[string]bool{"and": true, "or": true, "unless": true, "offset": true, "bool": true, "by": true, "without": true,
	"on": true, "ignoring": true, "group_left": true, "group_right": true}

// metricNames parses the metric names out of a PromQL expression.
func metricNames(expr string) []string {
	e := promQLNoise.ReplaceAllString(expr, " ")
	var out []string
	for _, loc := range promQLIdent.FindAllStringIndex(e, -1) {
		name := e[loc[0]:loc[1]]
		if promQLKeywords[name] || strings.HasPrefix(strings.TrimLeft(e[loc[1]:], " "), "(") {
			continue
		}
		if loc[0] > 0 && (e[loc[0]-1] >= '0' && e[loc[0]-1] <= '9' || e[loc[0]-1] == '.') {
			continue // a number's exponent or unit
		}
		out = append(out, name)
	}
	return out
}

// registered lists the names of every metric the registry describes.
func registered(t *testing.T, reg *prometheus.Registry) []string {
	ch := make(chan *prometheus.Desc)
	go func() {
		reg.Describe(ch)
		close(ch)
	}()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	var out []string
	for d := range ch {
		m := fq.FindStringSubmatch(d.String())
		require.NotNil(t, m, d.String())
		out = append(out, m[1])
	}
	return out
}

func TestMetricNamesOfPromQL(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"zapflow_a_bucket"}, metricNames(`histogram_quantile(0.99, sum by (le, step_type) (rate(zapflow_a_bucket{code!="x y", s=~"a|b"}[5m])))`))
	require.Equal(t, []string{"a", "b"}, metricNames(`max by (sender) (a) / on (sender) group_left b offset 1h`))
	require.Equal(t, []string{"process_resident_memory_bytes"}, metricNames(`process_resident_memory_bytes > 1e9`))
}
