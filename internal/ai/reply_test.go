package ai

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// F7: what the model receives (system prompt with variables, history,
// model, temperature) and what is stored and returned.
func TestReplyRequestAndMemory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		a, err := e.svc.CreateAssistant(ctx, AssistantInput{Name: ptr("Clara"), Model: ptr("gpt-4o"), Temperature: ptr(0.2),
			SystemPrompt: ptr("You are {{company}}'s receptionist."), Variables: &map[string]string{"company": "Acme", "city": "Recife"}})
		require.NoError(t, err)

		r1, err := e.svc.Reply(ctx, a.ID, "ana@example.com", "oi", map[string]string{"plan": "gold", "city": "Olinda"})
		require.NoError(t, err)
		require.Equal(t, "reply 1", r1.Reply)
		require.NotEmpty(t, r1.ConversationID)

		c := e.model.last(t)
		require.Equal(t, "gpt-4o", c.Model)
		require.InDelta(t, 0.2, c.Temperature, 1e-6)
		require.Equal(t, "Bearer sk-test-1234", c.Auth)
		require.Equal(t, []Message{
			{Role: RoleSystem, Content: "You are Acme's receptionist.\n\nContext variables:\n- city: Olinda\n- company: Acme\n- plan: gold"},
			{Role: RoleUser, Content: "oi"},
		}, c.Messages, "the call's variables override the assistant's and all reach the model")

		r2, err := e.svc.Reply(ctx, a.ID, "ana@example.com", "quero marcar", nil)
		require.NoError(t, err)
		require.Equal(t, r1.ConversationID, r2.ConversationID, "same customer, same conversation")
		require.Equal(t, []Message{
			{Role: RoleSystem, Content: "You are Acme's receptionist.\n\nContext variables:\n- city: Recife\n- company: Acme"},
			{Role: RoleUser, Content: "oi"},
			{Role: RoleAssistant, Content: "reply 1"},
			{Role: RoleUser, Content: "quero marcar"},
		}, e.model.last(t).Messages, "the history comes with the new message")

		r3, err := e.svc.Reply(ctx, a.ID, "crm:4711", "hello", nil)
		require.NoError(t, err)
		require.NotEqual(t, r1.ConversationID, r3.ConversationID, "another customer, another conversation")
		require.Len(t, e.model.last(t).Messages, 2, "a new customer has no history")

		var turns int
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT COUNT(*) FROM ai_messages`).Scan(&turns))
		require.Equal(t, 6, turns, "both turns of every reply are stored")

		calls, err := e.svc.Calls(ctx, a.ID, 0)
		require.NoError(t, err)
		require.Len(t, calls, 3)
		require.Equal(t, Call{ID: calls[0].ID, Purpose: PurposeReply, AssistantID: a.ID, Model: "gpt-4o", LatencyMS: calls[0].LatencyMS,
			PromptTokens: 11, CompletionTokens: 7, TotalTokens: 18, Outcome: OutcomeOK, CreatedAt: t0}, calls[0])
	})
}

// The history is bounded by the assistant's limit and by the token budget.
func TestReplyHistoryBounds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		a, err := e.svc.CreateAssistant(ctx, AssistantInput{Name: ptr("Clara"), HistoryLimit: ptr(3)})
		require.NoError(t, err)
		for _, m := range []string{"one", "two", "three"} {
			_, err := e.svc.Reply(ctx, a.ID, "c1", m, nil)
			require.NoError(t, err)
		}
		require.Equal(t, []Message{
			{Role: RoleAssistant, Content: "reply 1"}, {Role: RoleUser, Content: "two"}, {Role: RoleAssistant, Content: "reply 2"},
			{Role: RoleUser, Content: "three"},
		}, e.model.last(t).Messages, "history_limit 3 keeps the three latest turns (no system prompt set)")

		// A small token budget keeps only the newest turns that fit.
		e.svc.historyTokens = estimateTokens("reply 3") + estimateTokens("three")
		_, err = e.svc.Reply(ctx, a.ID, "c1", "four", nil)
		require.NoError(t, err)
		require.Equal(t, []Message{{Role: RoleUser, Content: "three"}, {Role: RoleAssistant, Content: "reply 3"}, {Role: RoleUser, Content: "four"}},
			e.model.last(t).Messages)

		zero, err := e.svc.UpdateAssistant(ctx, a.ID, AssistantInput{HistoryLimit: ptr(0)})
		require.NoError(t, err)
		_, err = e.svc.Reply(ctx, zero.ID, "c1", "five", nil)
		require.NoError(t, err)
		require.Equal(t, []Message{{Role: RoleUser, Content: "five"}}, e.model.last(t).Messages, "history_limit 0 sends no history")
	})
}

func TestReplyValidation(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	e := newEnv(t, db)
	a := e.assistant(t, "hi")
	_, err := e.svc.Reply(ctx, a.ID, " ", "oi", nil)
	apperrtest.RequireCode(t, err, "invalid_request", "customer_id")
	_, err = e.svc.Reply(ctx, a.ID, "c", "", nil)
	apperrtest.RequireCode(t, err, "invalid_request", "message")
	_, err = e.svc.Reply(ctx, a.ID, "c", "oi", map[string]string{"bad name": "x"})
	apperrtest.RequireCode(t, err, "invalid_request", "variables")
	_, err = e.svc.Reply(ctx, a.ID+100, "c", "oi", nil)
	apperrtest.RequireCode(t, err, "not_found", "")
	require.Empty(t, e.model.Calls(), "no invalid request reaches the model")

	_, err = e.svc.CreateAssistant(ctx, AssistantInput{Name: ptr("X"), Model: ptr("gpt-9")})
	apperrtest.RequireCode(t, err, "invalid_request", "model")
	_, err = e.svc.CreateAssistant(ctx, AssistantInput{Name: ptr("")})
	apperrtest.RequireCode(t, err, "invalid_request", "name")
	_, err = e.svc.CreateAssistant(ctx, AssistantInput{Name: ptr("X"), Temperature: ptr(2.5)})
	apperrtest.RequireCode(t, err, "invalid_request", "temperature")
}

// go-openai drops a temperature of 0 (omitempty); we send the smallest
// non-zero value instead so "0" means deterministic, not the default 1.
func TestZeroTemperatureReachesTheModel(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	e := newEnv(t, db)
	a, err := e.svc.CreateAssistant(context.Background(), AssistantInput{Name: ptr("Cold"), Temperature: ptr(0.0)})
	require.NoError(t, err)
	_, err = e.svc.Reply(context.Background(), a.ID, "c", "oi", nil)
	require.NoError(t, err)
	temp := e.model.last(t).Temperature
	require.Greater(t, temp, 0.0, "a temperature was sent")
	require.Less(t, temp, 1e-30)
}
