package ai

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// F25: typing indicator at once, the reply after the delay (on the
// injected clock), with the footer, through the send pipeline, built from
// the conversation's WhatsApp history.
func TestAssistantRepliesAfterDelayWithFooter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.withWhatsApp(t, 7)

		msgID := e.customerWrites(t, "oi")
		replies, opts, typing := replyJobs(t, e.jobs.take())
		require.Len(t, replies, 1)
		require.Len(t, typing, 1)
		require.Equal(t, store.Millis(t0.Add(7*time.Second)), replies[0].DueAt, "the reply waits assistant_message_delay on the injected clock")
		require.True(t, opts[0].ScheduledAt.IsZero(), "a short delay is waited for by the worker, not River's scheduler")
		require.Equal(t, replyArgs{ConversationID: e.conversationID(t), MessageID: msgID, SenderID: e.sender.ID, To: "+" + customer,
			DueAt: store.Millis(t0.Add(7 * time.Second))}, replies[0])

		require.NoError(t, e.svc.typing(ctx, typing[0]))
		require.Equal(t, []typingCall{{token: "EAAG-tok", phoneNumberID: phoneID, messageID: "wamid.IN1"}}, e.typing.calls)

		e.clock.Add(7 * time.Second)
		why, err := e.svc.answer(ctx, replies[0])
		require.NoError(t, err)
		require.Empty(t, why)
		require.Equal(t, []string{"reply 1\n\n— Acme bot"}, e.replies(t), "the footer ends every assistant reply")
		require.Equal(t, []Message{{Role: RoleSystem, Content: "You are Acme's assistant."}, {Role: RoleUser, Content: "oi"}}, e.model.last(t).Messages)

		// The next message carries the history, without our footer.
		msg2 := e.customerWrites(t, "quanto custa?")
		replies, _, _ = replyJobs(t, e.jobs.take())
		require.Equal(t, msg2, replies[0].MessageID)
		_, err = e.svc.answer(ctx, replies[0])
		require.NoError(t, err)
		require.Equal(t, []Message{{Role: RoleSystem, Content: "You are Acme's assistant."}, {Role: RoleUser, Content: "oi"},
			{Role: RoleAssistant, Content: "reply 1"}, {Role: RoleUser, Content: "quanto custa?"}}, e.model.last(t).Messages)
		require.Len(t, e.replies(t), 2)

		// A retried job (the first run crashed after sending) sends nothing twice.
		why, err = e.svc.answer(ctx, replies[0])
		require.NoError(t, err)
		require.Equal(t, quietAnswered, why)
		require.Len(t, e.replies(t), 2)

		calls, err := e.svc.Calls(ctx, 0, 0)
		require.NoError(t, err)
		require.Equal(t, PurposeWhatsApp, calls[0].Purpose)
	})
}

// With no delay the reply is due at once and no typing indicator is sent.
func TestAssistantNoDelay(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	e := newEnv(t, db)
	e.withWhatsApp(t, 0)
	e.customerWrites(t, "oi")
	replies, opts, typing := replyJobs(t, e.jobs.take())
	require.Len(t, replies, 1)
	require.Empty(t, typing)
	require.True(t, opts[0].ScheduledAt.IsZero())
	require.Zero(t, replies[0].DueAt)
}

// Rapid messages get one reply, from the last job, that sees them all.
func TestAssistantDebounce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.withWhatsApp(t, 5)
		e.customerWrites(t, "oi")
		e.clock.Add(2 * time.Second)
		e.customerWrites(t, "tudo bem?")
		e.clock.Add(time.Second)
		e.customerWrites(t, "queria saber o preço")
		replies, _, _ := replyJobs(t, e.jobs.take())
		require.Len(t, replies, 3)
		require.Equal(t, store.Millis(t0.Add(8*time.Second)), replies[2].DueAt)

		e.clock.Add(5 * time.Second)
		for i, r := range replies {
			why, err := e.svc.answer(ctx, r)
			require.NoError(t, err)
			if i < 2 {
				require.Equal(t, quietSuperseded, why, "job %d: a newer message is waiting for its own job", i)
			}
		}
		require.Len(t, e.replies(t), 1, "one reply for the burst")
		require.Len(t, e.model.Calls(), 1, "superseded jobs do not call the model")
		require.Equal(t, []Message{{Role: RoleSystem, Content: "You are Acme's assistant."},
			{Role: RoleUser, Content: "oi"}, {Role: RoleUser, Content: "tudo bem?"}, {Role: RoleUser, Content: "queria saber o preço"}},
			e.model.last(t).Messages, "the one reply sees every message of the burst")
	})
}

// A person's recent message silences the assistant; a flow's does not;
// the silence ends with the handover window.
func TestHumanHandover(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.withWhatsApp(t, 3) // handover window: 60 minutes (default)
		e.customerWrites(t, "oi")
		first, _, _ := replyJobs(t, e.jobs.take())

		// An agent answers during the delay: the pending job stays quiet.
		e.clock.Add(time.Second)
		e.humanSends(t, "agent:7")
		e.clock.Add(2 * time.Second)
		why, err := e.svc.answer(ctx, first[0])
		require.NoError(t, err)
		require.Equal(t, quietHandover, why)
		require.Empty(t, e.replies(t))

		// While the agent's message is recent, new messages get no job.
		e.clock.Add(30 * time.Minute)
		e.customerWrites(t, "ok, obrigado")
		require.Empty(t, e.jobs.take())

		// An integration's send (source "api") is a person too.
		e.clock.Add(61 * time.Minute)
		e.humanSends(t, "api")
		e.customerWrites(t, "mais uma coisa")
		require.Empty(t, e.jobs.take())

		// After the window the assistant answers again; a flow's message
		// (a bot) does not silence it.
		e.clock.Add(61 * time.Minute)
		e.humanSends(t, "flow:12:3")
		e.customerWrites(t, "alguém aí?")
		replies, _, _ := replyJobs(t, e.jobs.take())
		require.Len(t, replies, 1)
		e.clock.Add(3 * time.Second)
		why, err = e.svc.answer(ctx, replies[0])
		require.NoError(t, err)
		require.Empty(t, why)
		require.Len(t, e.replies(t), 1)

		// handover_minutes 0 turns the rule off.
		_, err = e.svc.UpdateAssistantSettings(ctx, AssistantSettingsInput{HandoverMinutes: ptr(0)})
		require.NoError(t, err)
		e.humanSends(t, "agent")
		e.customerWrites(t, "e agora?")
		replies, _, _ = replyJobs(t, e.jobs.take())
		require.Len(t, replies, 1)
	})
}

// F19: a stop keyword pauses the bot for N hours; it resumes by itself.
func TestStopKeywordPausesUntilRestart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.withWhatsApp(t, 2)
		_, err := e.svc.UpdateStopBotSettings(ctx, StopBotSettingsInput{RestartAfterHours: ptr(2)})
		require.NoError(t, err)

		e.customerWrites(t, "oi")
		pending, _, _ := replyJobs(t, e.jobs.take())
		e.clock.Add(time.Second)
		e.customerWrites(t, "Stop!")
		require.Empty(t, e.jobs.take(), "a stop message gets no reply")
		conv := e.conversationID(t)
		st, err := e.svc.BotState(ctx, conv)
		require.NoError(t, err)
		require.Equal(t, BotState{ConversationID: conv, Paused: true, PausedUntil: t0.Add(time.Second + 2*time.Hour),
			Reason: `stop keyword "stop"`, PausedBy: "customer", PausedAt: t0.Add(time.Second)}, st)

		// The reply that was waiting when the customer said stop is not sent.
		e.clock.Add(time.Second)
		why, err := e.svc.answer(ctx, pending[0])
		require.NoError(t, err)
		require.Equal(t, quietSuperseded, why)

		e.clock.Add(time.Hour)
		e.customerWrites(t, "oi de novo")
		require.Empty(t, e.jobs.take(), "still paused an hour later")

		e.clock.Add(time.Hour)
		st, err = e.svc.BotState(ctx, conv)
		require.NoError(t, err)
		require.False(t, st.Paused, "resumed by itself after 2 hours")
		e.customerWrites(t, "voltei")
		replies, _, _ := replyJobs(t, e.jobs.take())
		require.Len(t, replies, 1)
		e.clock.Add(2 * time.Second)
		_, err = e.svc.answer(ctx, replies[0])
		require.NoError(t, err)
		require.Len(t, e.replies(t), 1)
	})
}

// restart_after_hours 0 pauses until resumed by hand; manual pause and
// resume work over the service the API calls; a paused conversation
// receives no assistant message, even from a job already scheduled.
func TestPauseUntilResumedByHand(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.withWhatsApp(t, 2)
		e.customerWrites(t, "PARAR")
		conv := e.conversationID(t)

		e.clock.Add(1000 * time.Hour)
		e.customerWrites(t, "oi")
		require.Empty(t, e.jobs.take(), "N = 0: paused until someone resumes")
		st, err := e.svc.BotState(ctx, conv)
		require.NoError(t, err)
		require.True(t, st.Paused)
		require.True(t, st.PausedUntil.IsZero())

		st, err = e.svc.ResumeBot(ctx, conv)
		require.NoError(t, err)
		require.False(t, st.Paused)
		e.customerWrites(t, "oi?")
		replies, _, _ := replyJobs(t, e.jobs.take())
		require.Len(t, replies, 1)

		// Paused by hand during the delay: the scheduled reply stays unsent.
		st, err = e.svc.PauseBot(ctx, conv, 0, "Bruno takes over", "api_key:3")
		require.NoError(t, err)
		require.Equal(t, BotState{ConversationID: conv, Paused: true, Reason: "Bruno takes over", PausedBy: "api_key:3", PausedAt: e.clock.Now()}, st)
		e.clock.Add(2 * time.Second)
		why, err := e.svc.answer(ctx, replies[0])
		require.NoError(t, err)
		require.Equal(t, quietPaused, why)
		require.Empty(t, e.replies(t), "a paused conversation receives no assistant message")
		require.Empty(t, e.model.Calls(), "nor does it spend a model call")

		st, err = e.svc.PauseBot(ctx, conv, 3, "", "api_key:3")
		require.NoError(t, err)
		require.Equal(t, e.clock.Now().Add(3*time.Hour), st.PausedUntil)
		require.Equal(t, "paused by hand", st.Reason)

		_, err = e.svc.PauseBot(ctx, conv+99, 0, "", "x")
		apperrtest.RequireCode(t, err, "not_found", "")
		_, err = e.svc.PauseBot(ctx, conv, -1, "", "x")
		apperrtest.RequireCode(t, err, "invalid_request", "hours")
	})
}

// Settings changes apply to the very next message.
func TestAssistantSettingsApplyAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.withWhatsApp(t, 1)
		_, err := e.svc.UpdateAssistantSettings(ctx, AssistantSettingsInput{Enabled: ptr(false)})
		require.NoError(t, err)
		e.customerWrites(t, "oi")
		require.Empty(t, e.jobs.take())

		_, err = e.svc.UpdateAssistantSettings(ctx, AssistantSettingsInput{Enabled: ptr(true), Footer: ptr("novo rodapé"), DelaySeconds: ptr(9)})
		require.NoError(t, err)
		e.customerWrites(t, "oi")
		replies, _, _ := replyJobs(t, e.jobs.take())
		require.Equal(t, store.Millis(e.clock.Now().Add(9*time.Second)), replies[0].DueAt)
		_, err = e.svc.answer(ctx, replies[0])
		require.NoError(t, err)
		require.Equal(t, []string{"reply 1\n\nnovo rodapé"}, e.replies(t))

		_, err = e.svc.UpdateStopBotSettings(ctx, StopBotSettingsInput{Keywords: &[]string{"chega"}})
		require.NoError(t, err)
		e.customerWrites(t, "stop") // still the assistant's own keyword
		st, err := e.svc.BotState(ctx, e.conversationID(t))
		require.NoError(t, err)
		require.True(t, st.Paused)
	})
}

func TestAssistantSettingsValidation(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	ctx := context.Background()
	e := newEnv(t, db)
	_, err := e.svc.UpdateAssistantSettings(ctx, AssistantSettingsInput{Footer: ptr("  ")})
	apperrtest.RequireCode(t, err, "invalid_request", "assistant_footer_message")
	_, err = e.svc.UpdateAssistantSettings(ctx, AssistantSettingsInput{DelaySeconds: ptr(-1)})
	apperrtest.RequireCode(t, err, "invalid_request", "assistant_message_delay")
	_, err = e.svc.UpdateAssistantSettings(ctx, AssistantSettingsInput{Enabled: ptr(true)})
	apperrtest.RequireCode(t, err, "invalid_request", "assistant_id")
	_, err = e.svc.UpdateAssistantSettings(ctx, AssistantSettingsInput{AssistantID: ptr(int64(42))})
	apperrtest.RequireCode(t, err, "assistant_not_found", "assistant_id")
	_, err = e.svc.UpdateAssistantSettings(ctx, AssistantSettingsInput{StopKeywords: &[]string{"!!"}})
	apperrtest.RequireCode(t, err, "invalid_request", "stop_assistant_keyword")
	_, err = e.svc.UpdateStopBotSettings(ctx, StopBotSettingsInput{RestartAfterHours: ptr(-2)})
	apperrtest.RequireCode(t, err, "invalid_request", "restart_after_hours")

	st, err := e.svc.UpdateStopBotSettings(ctx, StopBotSettingsInput{Keywords: &[]string{" Stop ", "stop", "", "Não quero"}})
	require.NoError(t, err)
	require.Equal(t, []string{"Stop", "Não quero"}, st.Keywords, "trimmed, blanks and duplicates dropped")
	as, err := e.svc.AssistantSettings(ctx)
	require.NoError(t, err)
	require.Equal(t, defaultAssistantSettings(), as, "nothing invalid was saved")
}
