package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/flow"
)

// Over the API: a flow naming a template the sender's account does not
// have is saved with a warning and cannot be enabled; deleting a flow
// keeps its runs readable; pausing the bot by hand ends the run waiting
// for the customer's reply and the runs the conversation's messages
// started.
func TestFlowWarningsArchiveAndPauseOverAPI(t *testing.T) {
	each(t, nil, func(t *testing.T, env *apptest.Env) {
		waitTemplates(t, env)
		bad := createFlow(t, env, map[string]any{"name": "bad template", "enabled": false,
			"trigger": map[string]any{"type": "event", "event": "x"},
			"steps": []any{map[string]any{"id": "send", "type": "send_template", "sender": phone1, "to": "{{trigger.customer_phone}}",
				"template": map[string]any{"name": "no_such_template", "language": "pt_BR"}}}})
		require.Len(t, bad.Warnings, 1)
		require.Equal(t, "steps[0].template.name", bad.Warnings[0].Field)
		require.Equal(t, flow.WarnTemplateNotFound, bad.Warnings[0].Code)
		var e errorBody
		require.Equal(t, http.StatusUnprocessableEntity, env.Do(http.MethodPost, "/api/v1/flows/"+idStr(bad.ID)+"/enable", nil, &e))
		require.Equal(t, "steps[0].template.name", e.Error.Field)

		waiter := createFlow(t, env, map[string]any{"name": "waiter", "enabled": true,
			"trigger": map[string]any{"type": "event", "event": "wait"},
			"steps":   []any{map[string]any{"id": "pause", "type": "delay", "duration": "1h"}}})
		var res flow.EventResult
		require.Equal(t, http.StatusAccepted, env.Do(http.MethodPost, "/api/v1/events", map[string]any{"type": "wait"}, &res))
		waitRun(t, env, res.RunIDs[0], flow.StatusWaiting)
		require.Equal(t, http.StatusNoContent, env.Do(http.MethodDelete, "/api/v1/flows/"+idStr(waiter.ID), nil, nil))
		run := getRun(t, env, res.RunIDs[0])
		require.Equal(t, flow.StatusCancelled, run.Status)
		require.Equal(t, flow.ReasonFlowDeleted, run.Reason)
		var runs struct{ Runs []flow.Run }
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/runs?flow_id="+idStr(waiter.ID), nil, &runs))
		require.Len(t, runs.Runs, 1)
		var list struct{ Flows []flow.Record }
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/flows", nil, &list))
		for _, f := range list.Flows {
			require.NotEqual(t, waiter.ID, f.ID, "a deleted flow leaves the list")
		}
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/flows?archived=true", nil, &list))
		require.Equal(t, waiter.ID, list.Flows[len(list.Flows)-1].ID)
		require.NotNil(t, list.Flows[len(list.Flows)-1].ArchivedAt)

		createFlow(t, env, map[string]any{"name": "asker", "enabled": true,
			"trigger": map[string]any{"type": "whatsapp.message_received", "contains": "olá"},
			"steps":   []any{map[string]any{"id": "answer", "type": "wait_for_reply", "timeout": "1h"}}})
		later := createFlow(t, env, map[string]any{"name": "later", "enabled": true,
			"trigger": map[string]any{"type": "whatsapp.message_received", "contains": "olá"},
			"steps":   []any{map[string]any{"id": "wait", "type": "delay", "duration": "1h"}, map[string]any{"id": "nudge", "type": "send_text", "text": "Ainda aí?"}}})
		const customer = "+5511955552222"
		customerWrites(t, env, phone1, customer, "olá")
		convID := conversationOf(t, env, customer)
		var o ownerBody
		env.Eventually(func() bool { o = ownerOf(t, env, convID); return o.Owner.Run != nil }, "the run waits for the reply")
		require.Equal(t, http.StatusOK, env.Do(http.MethodPost, "/api/v1/conversations/"+idStr(convID)+"/bot/pause", map[string]any{"reason": "agent takes over"}, nil))
		run = getRun(t, env, o.Owner.Run.ID)
		require.Equal(t, flow.StatusCancelled, run.Status)
		require.Contains(t, run.Reason, "agent takes over")
		require.Equal(t, http.StatusOK, env.Do(http.MethodGet, "/api/v1/runs?flow_id="+idStr(later.ID), nil, &runs))
		require.Len(t, runs.Runs, 1)
		require.Equal(t, flow.StatusCancelled, runs.Runs[0].Status, "a run the conversation's message started ends too, even in a delay")
	})
}
