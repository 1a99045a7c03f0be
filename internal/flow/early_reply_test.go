package flow

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A customer can answer a question before the send worker has recorded
// that it went out (the phone shows the message while our commit of its
// outcome waits its turn). The answer is not lost: the run, waiting for
// that send, keeps it, and its wait_for_reply takes it as soon as the
// outcome is in. Meanwhile the run holds the conversation, as a run
// waiting for the reply does (the assistant stays quiet). A second message
// in that moment is not kept in place of the first, and a closing message
// (no question after it) keeps nothing and holds nothing.
func TestAReplyBeforeTheSendOutcomeIsKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		env := newSendingEnv(t, db, func() time.Time { return now })
		s := env.s
		_, err := s.Create(ctx, Flow{Name: "ask", Enabled: true, Trigger: Trigger{Type: TriggerMessageReceived, Contains: "oi"}, Steps: []Step{
			{ID: "ask", Type: StepSendText, Text: "Qual produto?"},
			{ID: "answer", Type: StepWaitForReply, Timeout: "1h"},
			{ID: "thanks", Type: StepSendText, Text: "Recebido: {{steps.answer.text}}"},
		}})
		require.NoError(t, err)

		writes := func(text string) {
			env.write(t, "5511988887777", text, now)
			now = now.Add(time.Second)
		}
		var runID, convID int64
		run := func() State {
			var text string
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT id, state FROM flow_runs`).Scan(&runID, &text))
			var st State
			require.NoError(t, json.Unmarshal([]byte(text), &st))
			convID = st.ConversationID
			return st
		}
		sent := func() (id int64, source string) {
			require.NoError(t, db.Read().QueryRow(ctx, `SELECT id, source FROM messages WHERE direction = 'out' ORDER BY id DESC LIMIT 1`).Scan(&id, &source))
			return id, source
		}

		writes("Oi")
		st := run()
		require.Equal(t, WaitSend, st.Wait.Kind, "the question is queued, its outcome not in")
		holds, err := s.HoldsConversation(ctx, db.Read(), convID)
		require.NoError(t, err)
		require.True(t, holds, "a run asking a question holds the conversation")

		writes("Um sofá")
		writes("e uma mesa")
		st = run()
		require.Equal(t, WaitSend, st.Wait.Kind)
		require.Equal(t, "Um sofá", st.EarlyReply["text"], "the first answer is kept, not the second")

		msgID, source := sent()
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			return s.OnSendOutcome(ctx, tx, messaging.SendOutcome{MessageID: msgID, ConversationID: convID, Source: source,
				Status: messaging.StatusSent, WAMID: "wamid.OUT1"})
		}))
		st = run()
		require.Equal(t, "Um sofá", st.Outputs["answer"].(map[string]any)["text"])
		require.Equal(t, false, st.Outputs["answer"].(map[string]any)["timed_out"])
		require.Nil(t, st.EarlyReply)
		require.Equal(t, "thanks", st.Wait.Step)
		var thanks string
		require.NoError(t, db.Read().QueryRow(ctx, `SELECT summary FROM messages WHERE direction = 'out' ORDER BY id DESC LIMIT 1`).Scan(&thanks))
		require.Equal(t, "Recebido: Um sofá", thanks)

		// The closing message has no wait_for_reply after it: while it is
		// sent the run does not hold the conversation (the assistant may
		// answer), and what the customer writes is not kept.
		holds, err = s.HoldsConversation(ctx, db.Read(), convID)
		require.NoError(t, err)
		require.False(t, holds, "a closing message holds nothing")
		writes("obrigado")
		require.Nil(t, run().EarlyReply)
		msgID, source = sent()
		require.NoError(t, db.InTx(ctx, func(tx store.Tx) error {
			return s.OnSendOutcome(ctx, tx, messaging.SendOutcome{MessageID: msgID, ConversationID: convID, Source: source,
				Status: messaging.StatusSent, WAMID: "wamid.OUT2"})
		}))
		st = run()
		require.Equal(t, StatusCompleted, st.Status)
		require.Nil(t, st.EarlyReply)
	})
}

// A flow without wait_for_reply keeps no replies: its sends do not hold
// the conversation, and a message during one changes nothing.
func TestAFlowThatAsksNothingKeepsNoReply(t *testing.T) {
	c, err := Compile(Flow{Name: "tell", Enabled: true, Trigger: Trigger{Type: TriggerMessageReceived}, Steps: []Step{
		{ID: "tell", Type: StepSendText, Text: "Estamos fechados."},
	}}, Options{})
	require.NoError(t, err)
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	st, _, _ := Advance(c, NewState(1, nil, nil, 3, "1", now), Input{Kind: InputStart, Now: now})
	require.Equal(t, WaitSend, st.Wait.Kind)
	cols, err := runColsOf(c, st)
	require.NoError(t, err)
	require.Zero(t, cols.replyConv, "no reply reaches it")
	_, _, changed := Advance(c, st, Input{Kind: InputReply, Now: now, Output: map[string]any{"text": "oi"}})
	require.False(t, changed)
}
