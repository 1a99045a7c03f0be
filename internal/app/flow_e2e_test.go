package app_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/flow"
	"github.com/zapflow/zapflow/internal/sandbox"
	"github.com/zapflow/zapflow/internal/store"
)

// End to end on both databases: flows started by events and by WhatsApp
// messages, through the real intake, outbox and sandbox.

// apiEnv is a running zapflow the helpers below drive (an *apptest.Env,
// or a restartable one).
type apiEnv interface {
	Do(method, path string, body any, out any) int
	Count(query string, args ...any) int
}

// followUpFlow is a three-step flow: branch + send_template, else stop.
func followUpFlow(name string) map[string]any {
	send := map[string]any{"id": "follow_up", "type": "send_template", "sender": phone1, "to": "{{trigger.customer_phone}}",
		"template":  map[string]any{"name": "call_followup", "language": "pt_BR"},
		"variables": map[string]string{"1": "{{trigger.customer_name}}", "2": "{{trigger.agent_name | default(\"a equipe\")}}"}}
	return map[string]any{
		"name": name, "enabled": true,
		"trigger": map[string]any{"type": "event", "event": "call.completed"},
		"steps": []any{map[string]any{"id": "route", "type": "branch",
			"branches": []any{map[string]any{"when": `trigger.outcome == "interested"`, "steps": []any{send}}},
			"else":     []any{map[string]any{"id": "no_follow_up", "type": "stop", "reason": "not interested"}},
		}},
	}
}

func createFlow(t *testing.T, env apiEnv, def map[string]any) flow.Record {
	t.Helper()
	var rec flow.Record
	var e errorBody
	status := env.Do(http.MethodPost, "/api/v1/flows", def, &rec)
	if status != http.StatusCreated {
		env.Do(http.MethodPost, "/api/v1/flows", def, &e)
		t.Fatalf("create flow: %d %+v", status, e)
	}
	return rec
}

func getRun(t *testing.T, env apiEnv, id int64) flow.Run {
	t.Helper()
	var r flow.Run
	require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/runs/"+strconv.FormatInt(id, 10), nil, &r))
	return r
}

func waitRun(t *testing.T, env apiEnv, id int64, status string) flow.Run {
	t.Helper()
	var r flow.Run
	waitUntil(t, func() bool { r = getRun(t, env, id); return r.Status == status }, "run %d %s, is %s: %+v", id, status, lazy(func() string { return r.Status }), lazy(func() string { return strconv.Quote(stepsOf(r)) }))
	return r
}

func stepsOf(r flow.Run) string {
	s := ""
	for _, st := range r.Steps {
		s += st.Step + ":" + st.Status
		if st.Error != nil {
			s += "(" + st.Error.Code + ": " + st.Error.Message + ")"
		}
		s += " "
	}
	return s
}

func sentTemplates(sb *sandbox.Sandbox, name string) []sandbox.SentMessage {
	var out []sandbox.SentMessage
	for _, m := range sb.Sent() {
		if m.TemplateName == name {
			out = append(out, m)
		}
	}
	return out
}

// F10 + F16: an event starts the flow, the branch picks the template, the
// message is sent once and the step completes with its outcome; the same
// idempotency key again starts nothing and answers with the first runs.
func TestFlowEventSendsOnceAndIsIdempotent(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		createFlow(t, env, followUpFlow("follow up"))
		ev := map[string]any{"type": "call.completed", "idempotency_key": "call-1",
			"data": map[string]any{"customer_phone": "+5511988887777", "customer_name": "Ana", "agent_name": "Carlos", "outcome": "interested"}}
		var res flow.EventResult
		require.Equal(t, http.StatusAccepted, env.Do(http.MethodPost, "/api/v1/events", ev, &res))
		require.Len(t, res.RunIDs, 1)
		run := waitRun(t, env, res.RunIDs[0], flow.StatusCompleted)
		require.Equal(t, "route completed", run.Steps[0].Step+" "+run.Steps[0].Status)
		last := run.Steps[len(run.Steps)-1]
		require.Equal(t, "follow_up", last.Step)
		require.Equal(t, "sent", last.Output["status"])
		require.NotEmpty(t, last.Output["wamid"])
		sent := sentTemplates(env.App.Sandbox, "call_followup")
		require.Len(t, sent, 1)
		require.Equal(t, []string{"Ana", "Carlos"}, sent[0].Params)

		var again flow.EventResult
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/events", ev, &again))
		require.True(t, again.Duplicate)
		require.Equal(t, res.RunIDs, again.RunIDs)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM flow_runs`))

		// Another outcome takes the else path: no message.
		ev["idempotency_key"], ev["data"].(map[string]any)["outcome"] = "call-2", "not_interested"
		require.Equal(t, http.StatusAccepted, env.Do(http.MethodPost, "/api/v1/events", ev, &res))
		run = waitRun(t, env, res.RunIDs[0], flow.StatusCompleted)
		require.Equal(t, "no_follow_up", run.Steps[len(run.Steps)-1].Step)
		time.Sleep(300 * time.Millisecond)
		require.Len(t, sentTemplates(env.App.Sandbox, "call_followup"), 1)
	})
}

// F9 + wait_for_reply: the shipped lead qualification example, enabled,
// asks its questions over the sandbox (the last one with buttons, which
// the customer taps) and keeps the answers.
func TestFlowLeadQualificationOverWhatsApp(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		var list struct{ Flows []flow.Record }
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/flows", nil, &list))
		require.Len(t, list.Flows, 3, "the three examples are installed in the sandbox")
		var lead flow.Record
		for _, f := range list.Flows {
			require.False(t, f.Enabled, "examples are installed disabled")
			if f.Name == "Lead qualification" {
				lead = f
			}
		}
		require.NotZero(t, lead.ID)
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/flows/"+strconv.FormatInt(lead.ID, 10)+"/enable", nil, nil))

		sb := env.App.Sandbox
		const customer = "+5511977776666"
		// The questions and the closing message: texts, and the last
		// question's buttons.
		texts := func() []string {
			var out []string
			for _, m := range sb.Sent() {
				if (m.Type == "text" || m.Type == "interactive") && m.WaID == "5511977776666" {
					out = append(out, m.Type+": "+m.Text)
				}
			}
			return out
		}
		waitAsked := func(n int) {
			waitUntil(t, func() bool { return len(texts()) >= n }, "question %d (sent %q)", n, lazy(func() string { return strconv.Quote(sbTexts(texts())) }))
		}
		answer := func(n int, text string) {
			waitAsked(n)
			_, err := sb.CustomerWrites(phone1, customer, "Bia", text)
			require.NoError(t, err)
		}
		_, err := sb.CustomerWrites(phone1, customer, "Bia", "Oi, quero comprar")
		require.NoError(t, err)
		answer(1, "Bia")
		answer(2, "um sofá")
		waitAsked(3)
		_, err = sb.CustomerTaps(phone1, customer, "Bia", sandbox.Tap{ID: "week", Title: "Esta semana"})
		require.NoError(t, err)
		waitAsked(4)
		got := texts()
		require.Contains(t, got[1], "Prazer, Bia!")
		require.Equal(t, "interactive: E para quando você precisa?", got[2])
		require.Contains(t, got[3], `text: Perfeito, Bia! Um consultor vai falar com você sobre "um sofá"`, "the tapped button took the qualified branch")

		var runs struct{ Runs []flow.Run }
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/runs?flow_id="+strconv.FormatInt(lead.ID, 10), nil, &runs))
		require.Len(t, runs.Runs, 1, "answers do not start new runs (conversation_started fires once)")
		run := waitRun(t, env, runs.Runs[0].ID, flow.StatusCompleted)
		require.Equal(t, map[string]any{"name": "Bia", "interest": "um sofá", "timing": "Esta semana"}, run.Vars)
		var when map[string]any
		for _, st := range run.Steps {
			if st.Step == "when" {
				when = st.Output
			}
		}
		require.Equal(t, map[string]any{"type": "button_reply", "id": "week", "title": "Esta semana"}, when["reply"])
	})
}

func sbTexts(ts []string) string {
	s := ""
	for _, t := range ts {
		s += t + " | "
	}
	return s
}

// F16: a crash before the commit of "run advanced + message queued" loses
// both (simulated by abandoning the transaction the event was applied in);
// redelivering the event then sends exactly once.
func TestFlowCrashBeforeCommitSendsOnce(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		createFlow(t, env, followUpFlow("crash"))
		ctx := context.Background()
		data := map[string]any{"customer_phone": "+5511966665555", "customer_name": "Caio", "outcome": "interested"}
		errCrash := errors.New("simulated crash")
		err := env.App.DB.InTx(ctx, func(tx store.Tx) error {
			res, err := env.App.Flows.EventTx(ctx, tx, "call.completed", data, "call-crash")
			require.NoError(t, err)
			require.Len(t, res.RunIDs, 1)
			var n int
			require.NoError(t, tx.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE source LIKE 'flow:%'`).Scan(&n))
			require.Equal(t, 1, n, "the message is queued in the same transaction")
			return errCrash
		})
		require.ErrorIs(t, err, errCrash)
		time.Sleep(300 * time.Millisecond)
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM flow_runs`))
		require.Zero(t, env.Count(`SELECT COUNT(*) FROM messages WHERE source LIKE 'flow:%'`))
		require.Empty(t, sentTemplates(env.App.Sandbox, "call_followup"))

		var res flow.EventResult
		require.Equal(t, http.StatusAccepted, env.Do(http.MethodPost, "/api/v1/events",
			map[string]any{"type": "call.completed", "data": data, "idempotency_key": "call-crash"}, &res))
		require.Len(t, res.RunIDs, 1)
		waitRun(t, env, res.RunIDs[0], flow.StatusCompleted)
		time.Sleep(300 * time.Millisecond)
		require.Len(t, sentTemplates(env.App.Sandbox, "call_followup"), 1)
		require.Equal(t, 1, env.Count(`SELECT COUNT(*) FROM messages WHERE source LIKE 'flow:%'`))
	})
}
